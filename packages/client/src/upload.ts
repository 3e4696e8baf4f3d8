import { abortError, ShoeboxError } from './errors.js';
import { type Fetch, problemOf } from './transport.js';

export interface Progress {
  /** Bytes sent so far. */
  readonly loaded: number;
  readonly total: number;
}

export interface ByteTransfer {
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly body: Blob | Uint8Array;
  readonly onProgress?: ((progress: Progress) => void) | undefined;
  readonly signal?: AbortSignal | undefined;
}

/** The slice of XMLHttpRequest used here: browsers and React Native have it, Node does not. */
interface Xhr {
  open(method: string, url: string): void;
  setRequestHeader(name: string, value: string): void;
  send(body: unknown): void;
  abort(): void;
  readonly status: number;
  readonly responseText: string;
  getResponseHeader(name: string): string | null;
  onload: (() => void) | null;
  onerror: (() => void) | null;
  onabort: (() => void) | null;
  readonly upload: { onprogress: ((event: { loaded: number; total: number }) => void) | null };
}

const CHUNK = 64 * 1024;

/**
 * PUTs bytes to a signed upload URL (Shoebox's filesystem store or S3 alike) with progress where
 * the platform can tell it: XMLHttpRequest's upload events in browsers and React Native, a
 * streamed body elsewhere (Node). Cancelled by `signal`.
 */
export async function putBytes(transfer: ByteTransfer, fetch: Fetch): Promise<void> {
  if (transfer.signal?.aborted) throw abortError(transfer.signal);
  const Request = (globalThis as { XMLHttpRequest?: new () => Xhr }).XMLHttpRequest;
  return Request ? viaXhr(new Request(), transfer) : viaFetch(transfer, fetch);
}

function viaXhr(xhr: Xhr, { url, headers, body, onProgress, signal }: ByteTransfer): Promise<void> {
  return new Promise((resolve, reject) => {
    const onAbort = () => xhr.abort();
    const done = () => signal?.removeEventListener('abort', onAbort);
    xhr.open('PUT', url);
    for (const [name, value] of Object.entries(headers)) xhr.setRequestHeader(name, value);
    xhr.upload.onprogress = (event) => onProgress?.({ loaded: event.loaded, total: event.total });
    xhr.onload = () => {
      done();
      if (xhr.status >= 200 && xhr.status < 300) return resolve();
      const response = new Response(xhr.responseText, {
        status: xhr.status,
        headers: { 'content-type': xhr.getResponseHeader('content-type') ?? '' },
      });
      problemOf(response).then(reject, reject);
    };
    xhr.onerror = () => {
      done();
      reject(new ShoeboxError('network_error', 'The upload could not reach the storage'));
    };
    xhr.onabort = () => {
      done();
      reject(abortError(signal));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    xhr.send(body);
  });
}

async function viaFetch({ url, headers, body, onProgress, signal }: ByteTransfer, fetch: Fetch): Promise<void> {
  const bytes = body instanceof Uint8Array ? body : new Uint8Array(await body.arrayBuffer());
  let offset = 0;
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (offset >= bytes.length) return controller.close();
      const end = Math.min(offset + CHUNK, bytes.length);
      controller.enqueue(bytes.subarray(offset, end));
      offset = end;
      onProgress?.({ loaded: offset, total: bytes.length });
    },
  });
  let response: Response;
  try {
    // The signed request names the exact length: a stream sends it as Content-Length, not chunked.
    const init = { method: 'PUT', headers: { ...headers, 'content-length': String(bytes.length) }, body: stream, duplex: 'half', signal };
    response = await fetch(url, init as RequestInit);
  } catch (cause) {
    if (signal?.aborted) throw abortError(signal, cause);
    throw new ShoeboxError('network_error', 'The upload could not reach the storage', { cause });
  }
  if (!response.ok) throw await problemOf(response);
}
