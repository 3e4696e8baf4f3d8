import { describe, expect, it } from 'vitest';
import { type ServerSentEvent, serverSentEvents } from './server-sent-events.js';

/** A body arriving in exactly these chunks, as a proxy may split it anywhere. */
const body = (...chunks: string[]) =>
  new ReadableStream<Uint8Array>({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(new TextEncoder().encode(chunk));
      controller.close();
    },
  });
const read = async (stream: ReadableStream<Uint8Array>) => {
  const events: ServerSentEvent[] = [];
  for await (const event of serverSentEvents(stream)) events.push(event);
  return events;
};

describe('the Server-Sent Events parser', () => {
  const text = 'retry: 1000\n\n: heartbeat\n\nid: 7\nevent: note.created\ndata: {"a":1}\n\nid: 8\nevent: note.deleted\ndata: {"b":2}\n\n';
  const expected = [
    { id: '7', event: 'note.created', data: '{"a":1}' },
    { id: '8', event: 'note.deleted', data: '{"b":2}' },
  ];

  it('reads events as the server writes them, skipping comments and retry hints', async () => {
    expect(await read(body(text))).toEqual(expected);
  });

  it('reads the same events however the bytes are split, one byte at a time included', async () => {
    expect(await read(body(...text.split('')))).toEqual(expected);
    const bytes = new TextEncoder().encode('data: café\n\n');
    const split = new ReadableStream<Uint8Array>({
      start(controller) {
        for (const byte of bytes) controller.enqueue(Uint8Array.of(byte));
        controller.close();
      },
    });
    expect(await read(split)).toEqual([{ id: undefined, event: 'message', data: 'café' }]);
  });

  it('accepts CR, LF and CRLF line ends, joins data lines, and keeps the last id for later events', async () => {
    const events = await read(body('id: 3\r', '\ndata: one\r\ndata:two\r\r', 'data: three\n\n'));
    expect(events).toEqual([
      { id: '3', event: 'message', data: 'one\ntwo' },
      { id: '3', event: 'message', data: 'three' },
    ]);
  });

  it('drops an event the stream ended in the middle of', async () => {
    expect(await read(body('id: 9\nevent: note.created\ndata: {"cut'))).toEqual([]);
  });
});
