import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { embedded } from '../../server/src/testing/engines.js';
import { startTestServer, type TestServer } from '../../server/src/testing/harness.js';
import { ROOMY_PLAN } from '../../server/src/testing/identity.js';
import { ShoeboxError } from './index.js';
import { clientOf } from './testing/clients.js';

/**
 * A reverse proxy on loopback in front of a real Shoebox, as a load balancer stands in front of one
 * that restarts: it answers 503 to the next `failures` requests, then passes requests on.
 */
async function flakyProxy(target: string): Promise<{ url: string; fail(count: number): void; seen: string[]; close(): Promise<void> }> {
  let failures = 0;
  const seen: string[] = [];
  const server: Server = createServer(async (request, response) => {
    seen.push(`${request.method} ${request.url?.split('?')[0]}`);
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    if (failures > 0) {
      failures--;
      response.writeHead(503, { 'content-type': 'application/problem+json' });
      response.end(JSON.stringify({ type: 'about:blank', title: 'Service unavailable', status: 503, code: 'unavailable' }));
      return;
    }
    const headers = Object.fromEntries(
      Object.entries(request.headers).filter(([name]) => name !== 'host' && name !== 'connection'),
    ) as Record<string, string>;
    const answer = await fetch(`${target}${request.url}`, {
      method: request.method,
      headers,
      ...(chunks.length > 0 && { body: Buffer.concat(chunks) }),
    });
    response.writeHead(answer.status, Object.fromEntries([...answer.headers].filter(([name]) => name !== 'content-encoding')));
    response.end(Buffer.from(await answer.arrayBuffer()));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    fail: (count) => {
      failures = count;
    },
    seen,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

describe('the client behind a server that answers 5xx for a while', () => {
  let server: TestServer;
  let proxy: Awaited<ReturnType<typeof flakyProxy>>;
  beforeAll(async () => {
    server = await startTestServer({ engine: embedded, env: ROOMY_PLAN });
    proxy = await flakyProxy(server.url);
  });
  afterAll(async () => {
    await proxy.close();
    await server.stop();
  });

  it('sends an idempotent call again with backoff until it is answered', async () => {
    const sb = clientOf({ url: proxy.url, apiKey: server.apiKey });
    const note = await sb.notes.create({ headline: 'Kept', text: 'through a restart' });
    proxy.fail(2);
    const before = proxy.seen.length;
    expect((await sb.notes.get(note.noteId)).headline).toBe('Kept');
    expect(proxy.seen.slice(before)).toEqual(Array(3).fill(`GET /v1/notes/${note.noteId}`));
  });

  it('gives up after its retries with a typed error carrying the status', async () => {
    const sb = clientOf({ url: proxy.url, apiKey: server.apiKey }, { retry: { retries: 2, baseDelayMs: 10, maxDelayMs: 20 } });
    const note = await sb.notes.create({ headline: 'Unreached', text: 'the server stays down' });
    proxy.fail(10);
    const before = proxy.seen.length;
    const refused = await sb.notes.get(note.noteId).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(ShoeboxError);
    expect(refused).toMatchObject({ status: 503 });
    expect(proxy.seen.length - before).toBe(3);
    proxy.fail(0);
  });
});
