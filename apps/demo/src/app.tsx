import type { AuthState, ShoeboxClient, Sync, SyncState } from '@shoebox/client';
import { useEffect, useState } from 'preact/hooks';
import { messageOf } from './messages.js';
import { Account } from './screens/account.js';
import { Mine } from './screens/mine.js';
import { Post } from './screens/post.js';
import { Search } from './screens/search.js';
import { Upload } from './screens/upload.js';
import { useSyncState } from './use-sync.js';

const SCREENS = [
  { id: 'upload', label: 'Upload Image', Screen: Upload },
  { id: 'post', label: 'Post a Note', Screen: Post },
  { id: 'search', label: 'Search', Screen: Search },
  { id: 'mine', label: 'My notes and photos', Screen: Mine },
  { id: 'account', label: 'Account', Screen: Account },
] as const;

export interface ScreenProps {
  readonly sb: ShoeboxClient;
  /** The notes kept on this device: writes go through it, so they wait there while offline. */
  readonly sync: Sync;
  readonly auth: AuthState;
  /** Reports a failure to the user, in the status line screen readers announce. */
  readonly fail: (error: unknown) => void;
}

export function App({ sb, sync }: { sb: ShoeboxClient; sync: Sync }) {
  const [screen, setScreen] = useState<(typeof SCREENS)[number]['id']>('upload');
  const [auth, setAuth] = useState<AuthState>({ identityId: sb.auth.identityId, kind: sb.auth.kind });
  const [error, setError] = useState('');
  const synced = useSyncState(sync);
  useEffect(() => {
    const off = sb.auth.onChange(setAuth);
    // First visit: a guest, made silently; later visits: the identity kept in localStorage.
    sb.auth.ensureIdentity().then(setAuth, (failure) => setError(messageOf(failure)));
    return off;
  }, [sb]);
  const current = SCREENS.find((item) => item.id === screen) ?? SCREENS[0];
  return (
    <>
      <header>
        <h1>Shoebox</h1>
        <p class="who" data-testid="identity">
          {auth.kind === 'authenticated' ? 'Signed in' : 'Guest'}
          {auth.identityId ? ` · ${auth.identityId}` : ''}
        </p>
        <p class="connection" data-testid="connection" data-state={synced.connection} aria-live="polite">
          {connectionLine(synced)}
        </p>
      </header>
      <nav aria-label="Screens">
        {SCREENS.map((item) => (
          <button type="button" key={item.id} aria-current={item.id === screen ? 'page' : undefined} onClick={() => setScreen(item.id)}>
            {item.label}
          </button>
        ))}
      </nav>
      <p role="alert" class="error">
        {error}
      </p>
      <main>
        <h2>{current.label}</h2>
        <current.Screen
          key={current.id}
          sb={sb}
          sync={sync}
          auth={auth}
          fail={(failure: unknown) => setError(failure === undefined ? '' : messageOf(failure))}
        />
      </main>
    </>
  );
}

/** Whether the notes are up to date, and what waits on this device to be sent. */
function connectionLine({ connection, pending, conflicts }: SyncState): string {
  const state = connection === 'live' ? 'Up to date' : connection === 'offline' ? 'Offline: new notes wait on this device' : 'Connecting…';
  const waiting = pending.length === 0 ? '' : ` · ${pending.length} waiting to be sent`;
  const conflicting = conflicts.length === 0 ? '' : ` · ${conflicts.length} to resolve`;
  return `${state}${waiting}${conflicting}`;
}
