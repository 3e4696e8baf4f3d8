import { ShoeboxError } from './errors.js';
import type { Session } from './session.js';
import type { Answer, Call, Transport } from './transport.js';

/** Calls made as the identity: a valid access token on each, one refresh and retry when the server refuses it. */
export class IdentityCalls {
  constructor(
    readonly transport: Transport,
    readonly session: Session,
  ) {}

  send<T>(call: Call): Promise<Answer<T>> {
    return this.asIdentity((bearer) => this.transport.send<T>(call, bearer));
  }

  /** The response with its body unread (Transport.open), as the identity. */
  open(call: Call): Promise<Response> {
    return this.asIdentity((bearer) => this.transport.open(call, bearer));
  }

  private async asIdentity<T>(attempt: (bearer: string) => Promise<T>): Promise<T> {
    const tokens = await this.session.accessToken();
    try {
      return await attempt(tokens.accessToken);
    } catch (error) {
      // Expired early (clock skew), or rotated elsewhere: refresh once and send again.
      if (!(error instanceof ShoeboxError && error.status === 401 && error.code.startsWith('access_token_'))) throw error;
      const fresh = await this.session.refresh(tokens);
      return attempt(fresh.accessToken);
    }
  }

  async body<T>(call: Call): Promise<T> {
    return (await this.send<T>(call)).body;
  }
}
