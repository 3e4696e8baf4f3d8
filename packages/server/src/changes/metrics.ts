import { Gauge, type Registry } from 'prom-client';
import type { RealtimeHub } from './hub.js';

/** Prometheus gauge of this process's realtime connections. */
export function registerRealtimeMetrics(registry: Registry, hub: RealtimeHub): void {
  new Gauge({
    name: 'shoebox_realtime_connections',
    help: 'Realtime (Server-Sent Events) connections open in this process',
    registers: [registry],
    collect() {
      this.set(hub.connections);
    },
  });
}
