import { type ClientOptions, createClient, type Fetch, type ShoeboxClient } from '../index.js';

/** A fetch that records each request (`POST /v1/identities/refresh`) and its status, passing it on to the real one. */
export function recordingFetch(intercept?: (request: string, send: () => Promise<Response>) => Promise<Response>) {
  const requests: { request: string; status: number | 'failed' }[] = [];
  const fetch: Fetch = async (input, init) => {
    const request = `${init.method ?? 'GET'} ${new URL(input).pathname}`;
    const send = () => globalThis.fetch(input, init);
    try {
      const response = await (intercept ? intercept(request, send) : send());
      requests.push({ request, status: response.status });
      return response;
    } catch (error) {
      requests.push({ request, status: 'failed' });
      throw error;
    }
  };
  const count = (request: string, status?: number | 'failed') =>
    requests.filter((entry) => entry.request === request && (status === undefined || entry.status === status)).length;
  return { fetch, requests, count };
}

/** A client of the server at `url` with its API key; a fast retry policy so tests do not wait on backoff. */
export const clientOf = (server: { url: string; apiKey: string }, options: Partial<ClientOptions> = {}): ShoeboxClient =>
  createClient({ baseUrl: server.url, apiKey: server.apiKey, retry: { baseDelayMs: 20, maxDelayMs: 200 }, ...options });
