import type { ApiClient } from './harness.js';
import { bearer } from './identity.js';

export interface SseEvent {
  readonly id: string | undefined;
  readonly event: string | undefined;
  readonly data: any;
}

export interface EventStreamClient {
  readonly response: Response;
  readonly events: SseEvent[];
  /** Comment lines (heartbeats) seen. */
  readonly comments: string[];
  /** Whether the server ended the stream. */
  readonly ended: () => boolean;
  close(): void;
}

/** Opens GET /v1/changes/stream as `token` and parses its events as they arrive, as an EventSource would. */
export async function openEventStream(
  server: ApiClient,
  token: string,
  options: { readonly lastEventId?: string; readonly publicNotes?: boolean } = {},
): Promise<EventStreamClient> {
  const abort = new AbortController();
  const response = await server.v1(`/v1/changes/stream${options.publicNotes ? '?public=true' : ''}`, {
    headers: { ...bearer(token), ...(options.lastEventId !== undefined && { 'last-event-id': options.lastEventId }) },
    signal: abort.signal,
  });
  const events: SseEvent[] = [];
  const comments: string[] = [];
  let ended = false;
  if (response.ok && response.body) {
    void (async () => {
      const decoder = new TextDecoder();
      let text = '';
      try {
        for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
          text += decoder.decode(chunk, { stream: true });
          let end = text.indexOf('\n\n');
          while (end >= 0) {
            const block = text.slice(0, end);
            text = text.slice(end + 2);
            const fields = new Map<string, string>();
            for (const line of block.split('\n')) {
              if (line.startsWith(':')) comments.push(line);
              const colon = line.indexOf(':');
              if (colon > 0) fields.set(line.slice(0, colon), line.slice(colon + 1).trimStart());
            }
            if (fields.has('data'))
              events.push({ id: fields.get('id'), event: fields.get('event'), data: JSON.parse(fields.get('data') ?? '') });
            end = text.indexOf('\n\n');
          }
        }
      } catch {
        // Aborted by close().
      }
      ended = true;
    })();
  }
  return { response, events, comments, ended: () => ended, close: () => abort.abort() };
}
