/** One Server-Sent Event: `event` is "message" when the server named none. */
export interface ServerSentEvent {
  readonly id: string | undefined;
  readonly event: string;
  readonly data: string;
}

/**
 * The events of a text/event-stream body as they arrive, parsed as the HTML standard says an
 * EventSource does (fields, comments, multi-line data, CR, LF or CRLF line ends). EventSource itself
 * cannot send an Authorization header, hence fetch and this. `onBytes` hears every chunk, comments
 * (heartbeats) included, so the caller can tell a silent connection from a dead one.
 */
export async function* serverSentEvents(body: ReadableStream<Uint8Array>, onBytes: () => void = () => {}): AsyncGenerator<ServerSentEvent> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  let data: string[] = [];
  let event = '';
  let id: string | undefined;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      onBytes();
      buffer += decoder.decode(value, { stream: true });
      for (let end = lineEnd(buffer); end; end = lineEnd(buffer)) {
        const line = buffer.slice(0, end.at);
        buffer = buffer.slice(end.at + end.length);
        if (line === '') {
          if (data.length > 0) yield { id, event: event || 'message', data: data.join('\n') };
          data = [];
          event = '';
          continue;
        }
        if (line.startsWith(':')) continue;
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
        if (field === 'data') data.push(value);
        else if (field === 'event') event = value;
        else if (field === 'id' && !value.includes('\0')) id = value;
      }
    }
  } finally {
    reader.cancel().catch(() => undefined);
  }
}

/** Where the first complete line of `text` ends; a CR at the very end waits for the next chunk, which may hold its LF. */
function lineEnd(text: string): { at: number; length: number } | undefined {
  const at = text.search(/[\r\n]/);
  if (at < 0) return undefined;
  if (text[at] === '\n') return { at, length: 1 };
  if (at === text.length - 1) return undefined;
  return { at, length: text[at + 1] === '\n' ? 2 : 1 };
}
