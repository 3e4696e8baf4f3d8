import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type CryptoKey, exportJWK, generateKeyPair, type JWK, type JWTPayload, SignJWT } from 'jose';

/** A stand-in OpenID provider for tests: a JWKS on 127.0.0.1 and a signer of ID tokens. */
export interface TestOidcProvider {
  readonly name: string;
  readonly issuer: string;
  readonly audience: string;
  readonly jwksUrl: string;
  /** How many times the JWKS was fetched. */
  readonly jwksRequests: number;
  /** An ID token for `subject`, valid unless the options make it invalid. */
  idToken(
    subject: string,
    options?: { claims?: JWTPayload; header?: Record<string, unknown>; key?: CryptoKey | Uint8Array },
  ): Promise<string>;
  /** Publishes a new key and signs with it from now on; the old key leaves the JWKS. */
  rotate(): Promise<void>;
  /** Makes the JWKS answer 500 (false) or work again (true). */
  setAvailable(available: boolean): void;
  /** The SHOEBOX_OIDC_PROVIDERS entry for this provider. */
  readonly config: { name: string; issuer: string; audiences: string[]; jwksUrl: string };
  stop(): Promise<void>;
}

async function newKey(kid: string): Promise<{ kid: string; privateKey: CryptoKey; publicJwk: JWK }> {
  const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true });
  return { kid, privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' } };
}

export async function startOidcProvider(name = 'testid'): Promise<TestOidcProvider> {
  let key = await newKey('k1');
  let generation = 1;
  let available = true;
  let jwksRequests = 0;
  const server = createServer((request, response) => {
    if (request.url !== '/jwks.json') return void response.writeHead(404).end();
    jwksRequests++;
    if (!available) return void response.writeHead(500).end('down');
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [key.publicJwk] }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const issuer = `${base}/issuer`;
  const audience = `${name}-client-id`;
  return {
    name,
    issuer,
    audience,
    jwksUrl: `${base}/jwks.json`,
    get jwksRequests() {
      return jwksRequests;
    },
    config: { name, issuer, audiences: [audience, `${name}-other-client`], jwksUrl: `${base}/jwks.json` },
    idToken(subject, options = {}) {
      const now = Math.floor(Date.now() / 1000);
      return new SignJWT({ iss: issuer, aud: audience, sub: subject, iat: now, exp: now + 600, ...options.claims })
        .setProtectedHeader({ alg: 'ES256', kid: key.kid, typ: 'JWT', ...options.header } as { alg: string })
        .sign(options.key ?? key.privateKey);
    },
    async rotate() {
      key = await newKey(`k${++generation}`);
    },
    setAvailable(value) {
      available = value;
    },
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
