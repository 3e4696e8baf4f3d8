import type { IdentityCalls } from './api.js';
import type { AuthState, Session } from './session.js';
import type { Identity, LoginResult } from './types.js';

export type LogIn =
  | { readonly email: string; readonly password: string }
  | { readonly provider: string; readonly idToken: string; readonly nonce?: string };

/** Who the app is signed in as. A guest is made on first need; signing up or logging in as a guest keeps its data. */
export class Auth {
  constructor(
    private readonly session: Session,
    private readonly calls: IdentityCalls,
  ) {}

  /** The identity's id once known (after the first call or `ensureIdentity()`), else null. */
  get identityId(): string | null {
    return this.session.state.identityId;
  }

  /** `guest`, `authenticated`, or null before the first call. */
  get kind(): AuthState['kind'] {
    return this.session.state.kind;
  }

  /** The identity, made as a guest when there is none yet (or loaded from storage). */
  async ensureIdentity(): Promise<AuthState> {
    await this.session.ensure();
    return this.session.state;
  }

  /** Creates an account; as a guest, the guest becomes it and keeps its notes and photos. */
  async signUp(credentials: { email: string; password: string }): Promise<AuthState> {
    const bearer = await this.guestToken();
    const { body } = await this.calls.transport.send<LoginResult>({ method: 'POST', path: '/v1/accounts', body: credentials }, bearer);
    await this.session.keep(body, 'authenticated');
    return this.session.state;
  }

  /**
   * Logs in with a password or an OpenID provider's ID token. As a guest, a login without an
   * identity yet is linked to the guest; one that has an identity absorbs the guest's data.
   */
  async logIn(login: LogIn): Promise<AuthState & { mergedFrom: string | null }> {
    const bearer = await this.guestToken();
    const body = 'idToken' in login ? login : { provider: 'password', ...login };
    const answer = await this.calls.transport.send<LoginResult>({ method: 'POST', path: '/v1/identities/login', body }, bearer);
    await this.session.keep(answer.body, 'authenticated');
    return { ...this.session.state, mergedFrom: answer.body.mergedFrom };
  }

  /** Ends this session on the server and forgets it here; the next call makes a new guest. */
  async logOut(): Promise<void> {
    if (await this.session.current()) {
      try {
        await this.calls.send({ method: 'POST', path: '/v1/identities/logout' });
      } finally {
        await this.session.clear();
      }
    }
  }

  /** Deletes the identity and everything it owns, for good. */
  async deleteAccount(): Promise<void> {
    await this.calls.send({ method: 'DELETE', path: '/v1/identities/me' });
    await this.session.clear();
  }

  /** The identity as the server knows it: kind, logins, creation time. */
  me(): Promise<Identity> {
    return this.calls.body<Identity>({ method: 'GET', path: '/v1/identities/me' });
  }

  /** Called with the new state whenever the identity changes (guest made, sign-up, login, logout, refused refresh). */
  onChange(listener: (state: AuthState) => void): () => void {
    return this.session.onChange(listener);
  }

  /** A guest's access token, to link a sign-up or login to it; authenticated identities send none. */
  private async guestToken(): Promise<string | undefined> {
    const tokens = await this.session.current();
    return tokens?.kind === 'guest' ? (await this.session.accessToken()).accessToken : undefined;
  }
}
