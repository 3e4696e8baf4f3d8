import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../testing/harness.js';
import { seedIdentities } from '../testing/identity.js';
import { eventually } from '../testing/shoebox.js';
import { streamStatus } from './status.js';

describe('stream metrics', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.stop());

  it('exposes throughput, failures, lag, retries and dead letters per consumer', async () => {
    const { shoebox } = server.server;
    await seedIdentities(shoebox, 'idn_metrics');
    await shoebox.notes.create('idn_metrics', { headline: 'counted', text: 'once' });
    // The server's processor was woken by the commit; wait until it has caught up.
    await eventually(async () => (await streamStatus(shoebox.database, ['search']))[0]?.lagChanges === 0);
    await eventually(async () => shoebox.processor.countersOf('search').processed === 1);
    const text = await (await server.admin('/metrics')).text();
    expect(text).toMatch(/^shoebox_stream_processed_total\{consumer="search"\} 1$/m);
    expect(text).toMatch(/^shoebox_stream_failures_total\{consumer="search"\} 0$/m);
    expect(text).toMatch(/^shoebox_stream_dead_lettered_total\{consumer="search"\} 0$/m);
    expect(text).toMatch(/^shoebox_stream_lag_changes\{consumer="search"\} 0$/m);
    expect(text).toMatch(/^shoebox_stream_lag_seconds\{consumer="search"\} 0$/m);
    expect(text).toMatch(/^shoebox_stream_retrying\{consumer="search"\} 0$/m);
    expect(text).toMatch(/^shoebox_stream_dead_letters\{consumer="search"\} 0$/m);
  });
});
