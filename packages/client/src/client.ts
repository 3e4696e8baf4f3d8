import { IdentityCalls } from './api.js';
import { Auth } from './auth.js';
import { Notes } from './notes.js';
import type { Pages } from './pages.js';
import { Photos } from './photos.js';
import { type SearchOptions, search, suggest } from './search.js';
import { Session } from './session.js';
import { memoryStorage, type TokenStorage } from './storage.js';
import { Sync, type SyncOptions } from './sync/sync.js';
import { DEFAULT_RETRY, type Fetch, type RetryPolicy, Transport } from './transport.js';
import type { SearchHit, Suggestion } from './types.js';

export interface ClientOptions {
  /** Where Shoebox answers, e.g. `https://api.example.com` (the part before `/v1`). */
  readonly baseUrl: string;
  /** The app's API key (`sbk_…`). */
  readonly apiKey: string;
  /** Where the identity's tokens are kept between launches: `localStorage`, AsyncStorage, … (memory by default). */
  readonly storage?: TokenStorage;
  /** The storage key (default `shoebox.session`); two clients of one app on one storage need two. */
  readonly storageKey?: string;
  /** The platform's `fetch` by default. */
  readonly fetch?: Fetch;
  readonly retry?: Partial<RetryPolicy>;
}

export interface ShoeboxClient {
  readonly auth: Auth;
  readonly notes: Notes;
  readonly photos: Photos;
  /** Searches notes; `await` for the first page or `for await` over every page. */
  search(q: string, options?: SearchOptions): Pages<SearchHit>;
  suggest(prefix: string): Promise<Suggestion[]>;
  /**
   * Starts keeping a local copy of the identity's notes and photos from the change feed, live by
   * default, with a queue for notes written offline. Keep one per app: each holds a connection.
   */
  sync(options?: SyncOptions): Sync;
}

/** A client for one Shoebox and one app. The identity is made (as a guest) on the first call that needs one. */
export function createClient(options: ClientOptions): ShoeboxClient {
  const fetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  const baseUrl = options.baseUrl.endsWith('/') ? options.baseUrl : `${options.baseUrl}/`;
  const transport = new Transport(baseUrl, options.apiKey, fetch, { ...DEFAULT_RETRY, ...options.retry });
  const session = new Session(transport, options.storage ?? memoryStorage(), options.storageKey ?? 'shoebox.session');
  const calls = new IdentityCalls(transport, session);
  const notes = new Notes(calls);
  const photos = new Photos(calls);
  return {
    auth: new Auth(session, calls),
    notes,
    photos,
    search: search(calls),
    suggest: suggest(calls),
    sync: (syncOptions) => new Sync(calls, notes, photos, syncOptions),
  };
}
