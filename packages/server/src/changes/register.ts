import type { Register } from '../http/capability.js';
import type { IdentityService } from '../identity/service.js';
import type { ChangeFeed } from './feed.js';
import type { RealtimeHub } from './hub.js';
import { changeRoutes } from './routes.js';

export interface ChangeRouteServices {
  readonly feed: ChangeFeed;
  readonly realtime: RealtimeHub;
  /** Realtime connections end when their identity or session stops being live. */
  readonly identities: Pick<IdentityService, 'assertLive'>;
  readonly heartbeatSeconds: number;
}

/** The caller's change feed for offline sync, and its realtime stream. */
export const registerChanges: Register<ChangeRouteServices> = (scopes, { feed, realtime, identities, heartbeatSeconds }) => {
  scopes.identified.add(changeRoutes(feed, realtime, identities, heartbeatSeconds));
};
