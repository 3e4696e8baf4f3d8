import { ShoeboxError } from './errors.js';
import type { TokenStorage } from './storage.js';
import type { Transport } from './transport.js';
import type { TokenPair } from './types.js';

/** What the client keeps of the signed-in identity. */
export interface Tokens {
  readonly identityId: string;
  readonly kind: 'guest' | 'authenticated';
  readonly accessToken: string;
  readonly refreshToken: string;
  /** Epoch milliseconds when the access token expires. */
  readonly expiresAt: number;
  /** Its lifetime in milliseconds, to refresh a little before the end. */
  readonly lifetimeMs: number;
}

export interface AuthState {
  readonly identityId: string | null;
  readonly kind: 'guest' | 'authenticated' | null;
}

/** Refresh once this share of the access token's lifetime is left (at most 60 s before it ends). */
const REFRESH_AT_REMAINING_SHARE = 0.25;
const REFRESH_AT_MOST_MS_EARLY = 60_000;

/**
 * The identity's tokens: loaded from storage once, a guest made on first need, refreshed before
 * they expire and when the server refuses them. However many calls wait, one guest creation and
 * one refresh are in flight at a time. A refresh that gets no answer is retried (the server
 * answers a repeated refresh with the same new pair); only the server refusing the refresh token
 * signs the identity out.
 */
export class Session {
  #tokens: Tokens | null | undefined;
  #loading: Promise<Tokens | null> | undefined;
  #creating: Promise<Tokens> | undefined;
  #refreshing: Promise<Tokens> | undefined;
  readonly #listeners = new Set<(state: AuthState) => void>();

  constructor(
    private readonly transport: Transport,
    private readonly storage: TokenStorage,
    private readonly storageKey: string,
  ) {}

  /** The tokens kept, if any; loads them from storage on first use. */
  async current(): Promise<Tokens | null> {
    if (this.#tokens !== undefined) return this.#tokens;
    this.#loading ??= this.#load();
    return this.#loading;
  }

  /** The tokens, making a guest if there is no identity yet. */
  async ensure(): Promise<Tokens> {
    const tokens = await this.current();
    if (tokens) return tokens;
    this.#creating ??= this.#createGuest().finally(() => {
      this.#creating = undefined;
    });
    return this.#creating;
  }

  /** An access token that is not about to expire. */
  async accessToken(): Promise<Tokens> {
    const tokens = await this.ensure();
    const early = Math.min(tokens.lifetimeMs * REFRESH_AT_REMAINING_SHARE, REFRESH_AT_MOST_MS_EARLY);
    return Date.now() < tokens.expiresAt - early ? tokens : this.refresh(tokens);
  }

  /** New tokens in place of `stale`; calls that saw the same stale tokens share one refresh. */
  refresh(stale: Tokens): Promise<Tokens> {
    if (this.#tokens && this.#tokens.accessToken !== stale.accessToken) return Promise.resolve(this.#tokens);
    this.#refreshing ??= this.#refresh(stale).finally(() => {
      this.#refreshing = undefined;
    });
    return this.#refreshing;
  }

  /** Keeps a pair the server answered (guest, sign-up, login, refresh). */
  async keep(pair: TokenPair, kind: Tokens['kind']): Promise<Tokens> {
    const lifetimeMs = pair.expiresIn * 1000;
    const tokens: Tokens = {
      identityId: pair.identityId,
      kind,
      accessToken: pair.accessToken,
      refreshToken: pair.refreshToken,
      expiresAt: Date.now() + lifetimeMs,
      lifetimeMs,
    };
    const changed = this.#tokens?.identityId !== tokens.identityId || this.#tokens?.kind !== kind;
    this.#tokens = tokens;
    await this.storage.setItem(this.storageKey, JSON.stringify(tokens));
    if (changed) this.#emit();
    return tokens;
  }

  /** Forgets the identity: the next call makes a new guest. */
  async clear(): Promise<void> {
    const had = this.#tokens !== null && this.#tokens !== undefined;
    this.#tokens = null;
    await this.storage.removeItem(this.storageKey);
    if (had) this.#emit();
  }

  get state(): AuthState {
    return { identityId: this.#tokens?.identityId ?? null, kind: this.#tokens?.kind ?? null };
  }

  onChange(listener: (state: AuthState) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #emit(): void {
    const state = this.state;
    for (const listener of this.#listeners) listener(state);
  }

  async #load(): Promise<Tokens | null> {
    const stored = await this.storage.getItem(this.storageKey);
    let tokens: Tokens | null = null;
    try {
      const parsed = stored ? JSON.parse(stored) : null;
      if (typeof parsed?.refreshToken === 'string' && typeof parsed?.identityId === 'string') tokens = parsed;
    } catch {
      // Unreadable: start over as a new guest.
    }
    // A keep() or clear() while storage was read wins over what was stored.
    if (this.#tokens === undefined) this.#tokens = tokens;
    if (this.#tokens) this.#emit();
    return this.#tokens;
  }

  async #createGuest(): Promise<Tokens> {
    const { body } = await this.transport.send<TokenPair>({ method: 'POST', path: '/v1/identities' });
    return this.keep(body, 'guest');
  }

  async #refresh(stale: Tokens): Promise<Tokens> {
    try {
      const { body } = await this.transport.send<TokenPair>({
        method: 'POST',
        path: '/v1/identities/refresh',
        body: { refreshToken: stale.refreshToken },
        // The server answers a refresh sent again with the same pair: safe to retry when the answer was lost.
        idempotent: true,
      });
      return await this.keep(body, stale.kind);
    } catch (error) {
      // The refresh token itself was refused (expired, revoked, reused, identity gone): signed out for good.
      if (error instanceof ShoeboxError && (error.status === 401 || error.status === 403)) await this.clear();
      throw error;
    }
  }
}
