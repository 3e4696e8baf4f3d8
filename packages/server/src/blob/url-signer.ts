import { createHmac, randomBytes } from 'node:crypto';
import type { ValidateFunction } from 'ajv';
import { type Static, Type } from 'typebox';
import { Problem } from '../errors.js';
import { type Clock, systemClock } from '../shared/clock.js';
import { readOrCreateSecretFile } from '../shared/secret-files.js';
import { constantTimeEqual } from '../shared/secrets.js';
import { strictAjv } from '../shared/validate.js';
import type { CachePolicy } from './store.js';

/**
 * Signed URL tokens for the filesystem store, the embedded stand-in for S3 presigned URLs.
 * A token is `<payload>.<mac>`: the payload (base64url JSON) names the method, the blob key,
 * the expiry and the response or upload constraints; the MAC is HMAC-SHA256 over the payload
 * with a key only the server holds. Nothing in a token is read before its MAC checks out, and the
 * MAC is compared as a string in constant time (base64url has several spellings of the same
 * bytes, so comparing decoded bytes would accept altered tokens).
 */

export interface UploadClaims {
  readonly method: 'PUT';
  readonly key: string;
  readonly contentType: string;
  readonly contentLength: number;
  readonly expiresAt: Date;
}

export interface DownloadClaims {
  readonly method: 'GET';
  readonly key: string;
  readonly contentType: string;
  readonly cache: CachePolicy;
  readonly expiresAt: Date;
}

export type UrlClaims = UploadClaims | DownloadClaims;

const TOKEN_SHAPE = /^[A-Za-z0-9_-]{16,1024}\.[A-Za-z0-9_-]{43}$/;
const CONTEXT = 'shoebox-blob-url-v1.';

const Payload = Type.Object(
  {
    m: Type.Union([Type.Literal('PUT'), Type.Literal('GET')]),
    k: Type.String({ maxLength: 400 }),
    e: Type.Integer({ minimum: 0 }),
    t: Type.String({ maxLength: 100 }),
    n: Type.Optional(Type.Integer({ minimum: 0 })),
    c: Type.Optional(Type.Union([Type.Literal('private'), Type.Literal('immutable')])),
  },
  { additionalProperties: false },
);
// Compiled on first use: the first compile of the process also compiles ajv's meta-schema, which a start need not wait for.
let checkPayload: ValidateFunction | undefined;

export class UrlSigner {
  constructor(
    private readonly key: Buffer,
    private readonly clock: Clock = systemClock,
  ) {
    if (key.length < 32) throw new Error('The URL signing key must have at least 256 bits.');
  }

  sign(claims: UrlClaims): string {
    const payload = Buffer.from(
      JSON.stringify({
        m: claims.method,
        k: claims.key,
        e: Math.floor(claims.expiresAt.getTime() / 1000),
        t: claims.contentType,
        ...(claims.method === 'PUT' ? { n: claims.contentLength } : { c: claims.cache }),
      }),
    ).toString('base64url');
    return `${payload}.${this.mac(payload)}`;
  }

  /**
   * The claims of a genuine, unexpired token for `method`, or a 403 problem. Expiry is checked
   * last so that "expired" is only ever said about a token this server really issued.
   */
  verify(token: string, method: UrlClaims['method'], now = this.clock.now()): UrlClaims {
    const [payload, mac] = TOKEN_SHAPE.test(token) ? token.split('.') : [];
    if (!payload || !mac || !constantTimeEqual(mac, this.mac(payload))) {
      throw new Problem('signed_url_invalid', 'This URL is not one Shoebox signed, or it was changed. Ask the API for a new URL.');
    }
    const raw = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Static<typeof Payload>;
    checkPayload ??= strictAjv.compile(Payload);
    if (!checkPayload(raw) || raw.m !== method) {
      throw new Problem('signed_url_invalid', `This URL does not allow ${method} requests. Ask the API for a URL made for this.`);
    }
    if (raw.e * 1000 <= now) {
      throw new Problem('signed_url_expired', 'This URL has expired. Ask the API for a new one.');
    }
    const expiresAt = new Date(raw.e * 1000);
    return raw.m === 'PUT'
      ? { method: 'PUT', key: raw.k, contentType: raw.t, contentLength: raw.n ?? 0, expiresAt }
      : { method: 'GET', key: raw.k, contentType: raw.t, cache: raw.c ?? 'private', expiresAt };
  }

  private mac(payload: string): string {
    return createHmac('sha256', this.key).update(CONTEXT).update(payload).digest('base64url');
  }
}

const KEY_FILE = 'blob-url-signing.key';

/**
 * The signing key, made on first start and kept in the secrets folder (owner-only). Two
 * processes starting at once cannot both write it: the loser reads the winner's key.
 */
export function loadUrlSigningKey(secretsDir: string): Buffer {
  return Buffer.from(readOrCreateSecretFile(secretsDir, KEY_FILE, randomBytes(32).toString('hex')).value, 'hex');
}
