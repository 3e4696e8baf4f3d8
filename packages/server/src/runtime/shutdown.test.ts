import { rmSync } from 'node:fs';
import { request } from 'node:http';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../testing/harness.js';
import { spawnServe } from '../testing/processes.js';

const ADMIN = 'shutdown-test-admin-token-0123456789';

describe('graceful shutdown', () => {
  it('finishes a request that is in flight when SIGTERM arrives, then exits 0', async () => {
    const dataDir = tempDir();
    const server = await spawnServe({ SHOEBOX_DATA_DIR: dataDir, SHOEBOX_ADMIN_TOKEN: ADMIN });
    try {
      const body = JSON.stringify({ name: 'created during shutdown' });
      // Send the headers and half the body, signal the server, then send the rest.
      const answer = new Promise<{ status: number; text: string }>((resolve, reject) => {
        const req = request(`${server.url}/admin/keys`, {
          method: 'POST',
          headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
        });
        req.on('response', (res) => {
          let text = '';
          res.on('data', (chunk) => (text += chunk));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
        });
        req.on('error', reject);
        req.write(body.slice(0, 10));
        setTimeout(() => {
          const exit = server.stop('SIGTERM');
          setTimeout(() => req.end(body.slice(10)), 300);
          exit.catch(reject);
        }, 200);
      });
      const { status, text } = await answer;
      expect(status).toBe(201);
      expect(JSON.parse(text)).toMatchObject({ name: 'created during shutdown' });
      expect(await server.stop()).toBe(0);
      expect(server.stdout()).toContain('shutting down');
      await expect(fetch(`${server.url}/healthz`)).rejects.toThrow();
    } finally {
      await server.stop('SIGKILL');
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
