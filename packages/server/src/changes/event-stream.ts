import type { PassThrough } from 'node:stream';
import type { Change } from '../stream/change.js';
import { eventOf } from '../webhooks/events.js';
import type { Listener } from './hub.js';

/** Bytes a connection may have waiting for a client that reads slowly; past it the client is dropped, not buffered for. */
export const MAX_BUFFERED_BYTES = 512 * 1024;

/**
 * One realtime connection: writes each change as a Server-Sent Event (`id:` its stream position,
 * `event:` its type, `data:` the webhook body) and a comment every heartbeat so proxies keep an
 * idle connection open, once it has checked that the caller's session is still live. Until `live()` it holds what the hub tells it, so a replay written
 * first keeps the stream in order; changes at or before the last written position are skipped,
 * so a replay and the live changes never repeat one.
 */
export class EventStream implements Listener {
  private held: Change[] | undefined = [];
  private readonly heartbeat: NodeJS.Timeout;

  constructor(
    readonly ownerId: string,
    readonly publicNotes: boolean,
    private readonly out: PassThrough,
    private written: number,
    /** Asked at every heartbeat: a signed-out session or a deleted or disabled identity loses its stream. */
    private readonly stillAllowed: () => Promise<boolean>,
    heartbeatMs: number,
  ) {
    this.heartbeat = setInterval(() => void this.beat(), heartbeatMs);
    out.on('close', () => clearInterval(this.heartbeat));
    this.write('retry: 1000\n\n');
  }

  hear(change: Change): void {
    if (this.held) this.held.push(change);
    else this.send(change);
  }

  /** Writes a change the caller read itself (the replay). */
  send(change: Change): void {
    if (change.seq <= this.written) return;
    this.written = change.seq;
    const event = eventOf(change);
    if (!event) return;
    const body = JSON.stringify({ id: String(change.seq), ...event });
    this.write(`id: ${change.seq}\nevent: ${event.type}\ndata: ${body}\n\n`);
  }

  /** The replay is written: from now on changes go out as they come. */
  live(): void {
    const held = this.held ?? [];
    this.held = undefined;
    for (const change of held) this.send(change);
  }

  private async beat(): Promise<void> {
    if (await this.stillAllowed()) this.write(': heartbeat\n\n');
    else this.end();
  }

  end(): void {
    clearInterval(this.heartbeat);
    this.out.end();
  }

  private write(text: string): void {
    if (this.out.destroyed || this.out.writableEnded) return;
    if (this.out.writableLength > MAX_BUFFERED_BYTES) {
      // A client this far behind would make the server hold its events without bound: it reconnects with Last-Event-ID.
      this.out.destroy();
      return;
    }
    this.out.write(text);
  }
}
