import type { ClusterLink } from '../shared/cluster-link.js';
import { ChangeSignal } from './signal.js';

const TOPIC = 'ring';

/**
 * A doorbell shared by the processes of one `serve` on the embedded engine: a ring here is also
 * sent to the other side of `link` (HTTP processes ring the primary's stream processor; the
 * primary's publication rings the HTTP processes' realtime hubs), and rings from there ring here.
 * A burst of rings within one turn of the event loop costs one message.
 */
export class ClusterChangeSignal extends ChangeSignal {
  private pending = false;
  private readonly stopHearing: () => void;

  constructor(
    private readonly link: ClusterLink,
    private readonly channel: string,
  ) {
    super();
    this.stopHearing = link.on(TOPIC, (message) => {
      if (message.channel === channel) this.ring();
    });
  }

  override notify(): void {
    super.notify();
    if (this.pending) return;
    this.pending = true;
    setImmediate(() => {
      this.pending = false;
      this.link.send({ shoebox: TOPIC, channel: this.channel });
    });
  }

  override async close(): Promise<void> {
    this.stopHearing();
  }
}
