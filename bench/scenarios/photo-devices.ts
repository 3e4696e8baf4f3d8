import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { Agent } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { phoneJpeg } from '../../packages/server/src/testing/images.js';
import { createBenchKey, httpStatus, startShoebox, stopProcess, waitFor } from '../lib.js';

/** What the photo scenarios share: devices doing the upload flow against a bench server. */

export const MIB = 1024 * 1024;

/**
 * A photo of `size` bytes that costs the processor almost nothing: a small real JPEG followed by
 * padding. Upload figures then measure moving bytes, not decoding them (thumbnails/s does that).
 */
export async function paddedJpeg(size: number): Promise<Buffer> {
  const head = await phoneJpeg();
  return Buffer.concat([head, Buffer.alloc(size - head.length, 0x55)]);
}

/** PUTs bytes over kept-alive connections; answers the status. */
const agent = new Agent({ keepAlive: true, maxSockets: 256 });
export const put = (url: string, headers: Record<string, string>, body: Buffer): Promise<number> =>
  httpStatus(agent, new URL(url), { method: 'PUT', headers: { ...headers, 'content-length': body.length }, body });

/** A device: a guest identity with the bench API key. */
export async function device(url: string, apiKey: string): Promise<(path: string, init?: RequestInit) => Promise<Response>> {
  const guest = await fetch(`${url}/v1/identities`, { method: 'POST', headers: { 'x-api-key': apiKey } });
  if (guest.status !== 201) throw new Error(`guest identity: ${guest.status} ${await guest.text()}`);
  const { accessToken } = (await guest.json()) as { accessToken: string };
  return (path, init = {}) =>
    fetch(`${url}${path}`, {
      ...init,
      headers: {
        'x-api-key': apiKey,
        authorization: `Bearer ${accessToken}`,
        ...(init.body !== undefined && { 'content-type': 'application/json' }),
        ...init.headers,
      },
    });
}

/** What a device does to upload a photo: create it, PUT the bytes to the signed URL, complete it. Answers the photo id. */
export async function upload(api: Awaited<ReturnType<typeof device>>, bytes: Buffer): Promise<string> {
  const created = await api('/v1/photos', {
    method: 'POST',
    body: JSON.stringify({ contentType: 'image/jpeg', contentLength: bytes.length }),
  });
  if (created.status !== 201) throw new Error(`create: ${created.status} ${await created.text()}`);
  const photo = (await created.json()) as { photoId: string; upload: { url: string; headers: Record<string, string> } };
  const status = await put(photo.upload.url, photo.upload.headers, bytes);
  if (status !== 204) throw new Error(`upload: ${status}`);
  const completed = await api(`/v1/photos/${photo.photoId}/complete`, { method: 'POST' });
  if (completed.status !== 200) throw new Error(`complete: ${completed.status} ${await completed.text()}`);
  return photo.photoId;
}

/** Waits until the server has processed a photo: phases must not pay for the previous one's backlog. */
export async function processed(api: Awaited<ReturnType<typeof device>>, photoId: string): Promise<void> {
  for (;;) {
    const response = await api(`/v1/photos/${photoId}`);
    if (response.status !== 200) throw new Error(`read: ${response.status} ${await response.text()}`);
    const photo = (await response.json()) as { status: string };
    if (photo.status !== 'pending' && photo.status !== 'processing') return;
    await new Promise((resolveWait) => setTimeout(resolveWait, 50));
  }
}

/**
 * Waits until every device's photo is processed, one device after another: 32 devices polling at
 * once would load the server with ~640 reads a second while it is being timed.
 */
export async function allProcessed(devices: readonly Awaited<ReturnType<typeof device>>[], photoIds: readonly string[]): Promise<void> {
  for (const [index, photoId] of photoIds.entries()) await processed(devices[index]!, photoId);
}

/**
 * A server with a bench API key roomy enough that the usage plan never interferes, and room for
 * every device's guest identity from the one loopback address.
 */
export async function benchServer(env: Record<string, string> = {}) {
  const dataDir = mkdtempSync(join(tmpdir(), 'shoebox-bench-'));
  const server = await startShoebox({ SHOEBOX_LOG_LEVEL: 'warn', SHOEBOX_GUESTS_PER_ADDRESS: '1000000', ...env }, dataDir);
  return { server, apiKey: await createBenchKey({ SHOEBOX_DATA_DIR: dataDir }) };
}

/**
 * What an upload scenario runs against: a bench server whose photo quota never interferes, with
 * `devices` devices, and the bare node:http upload server (bare-upload-server.js) as baseline.
 */
export async function uploadRig(devices: number, env: Record<string, string> = {}) {
  const port = 20000 + Math.floor(Math.random() * 20000);
  const bare = spawn(process.execPath, [resolve(import.meta.dirname, 'bare-upload-server.js'), String(port)], { stdio: 'ignore' });
  const { server, apiKey } = await benchServer({ SHOEBOX_PHOTO_QUOTA_BYTES: String(100 * 1024 * MIB), ...env });
  const stop = async () => {
    await stopProcess(bare);
    await server.stop();
  };
  try {
    await waitFor(`http://127.0.0.1:${port}/`).catch(() => {});
    return {
      bareUrl: `http://127.0.0.1:${port}/`,
      devices: await Promise.all(Array.from({ length: devices }, () => device(server.url, apiKey))),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
