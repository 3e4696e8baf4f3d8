import type { Sync, SyncState } from '@shoebox/client';
import { useEffect, useState } from 'preact/hooks';

/** The synced copy's state, rendered again at each change. */
export function useSyncState(sync: Sync): SyncState {
  const [state, setState] = useState(sync.state);
  useEffect(() => {
    setState(sync.state);
    return sync.subscribe((next) => setState(next));
  }, [sync]);
  return state;
}
