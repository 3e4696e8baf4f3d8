/** An OpenID Connect provider whose ID tokens log users in (Sign in with Apple, Google, …). */
export interface OidcProviderConfig {
  /** What apps send as `provider` when logging in, e.g. "google". */
  readonly name: string;
  /** The exact `iss` of its ID tokens. */
  readonly issuer: string;
  /** Accepted `aud` values: the app's client ids at this provider. */
  readonly audiences: readonly string[];
  readonly jwksUrl: string;
}

const PROVIDER_NAME = /^[a-z0-9][a-z0-9_-]{0,31}$/;
const RESERVED_PROVIDERS = new Set(['password', 'developer']);
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** A JSON list of OIDC providers; every entry is checked so a typo fails at start, not at login. */
export function parseOidcProviders(raw: string): OidcProviderConfig[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new Error('expected JSON: [{"name","issuer","audiences":[…],"jwksUrl"}]');
  }
  if (!Array.isArray(parsed)) throw new Error('expected a JSON array of providers');
  const names = new Set<string>();
  return parsed.map((entry: unknown, i) => {
    const where = `provider #${i + 1}`;
    if (!isRecord(entry)) throw new Error(`${where} is not an object`);
    const unknown = Object.keys(entry).filter((key) => !['name', 'issuer', 'audiences', 'jwksUrl'].includes(key));
    if (unknown.length > 0) throw new Error(`${where} has unknown field(s) ${unknown.join(', ')}`);
    const { name, issuer, audiences, jwksUrl } = entry;
    if (typeof name !== 'string' || !PROVIDER_NAME.test(name)) {
      throw new Error(`${where}: "name" must be 1 to 32 lowercase letters, digits, "-" or "_"`);
    }
    if (RESERVED_PROVIDERS.has(name) || names.has(name)) throw new Error(`${where}: the name "${name}" is reserved or used twice`);
    names.add(name);
    if (typeof issuer !== 'string' || issuer.length === 0 || issuer.length > 500) throw new Error(`${where}: "issuer" must be a string`);
    if (!Array.isArray(audiences) || audiences.length === 0 || !audiences.every((a) => typeof a === 'string' && a.length > 0)) {
      throw new Error(`${where}: "audiences" must be a non-empty array of client ids`);
    }
    let jwks: URL;
    try {
      if (typeof jwksUrl !== 'string') throw new TypeError('not a string');
      jwks = new URL(jwksUrl);
    } catch {
      throw new Error(`${where}: "jwksUrl" must be an absolute URL`);
    }
    // Keys fetched over plain HTTP could be swapped in transit; only a loopback address may use it.
    if (jwks.protocol !== 'https:' && !(jwks.protocol === 'http:' && LOOPBACK.has(jwks.hostname))) {
      throw new Error(`${where}: "jwksUrl" must use https (http only on a loopback address)`);
    }
    return Object.freeze({ name, issuer, audiences: Object.freeze([...audiences]), jwksUrl: jwks.href });
  });
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
