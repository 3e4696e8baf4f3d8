import { type CryptoKey, calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, type JWK } from 'jose';
import type { SigningKeyStore, StoredSigningKey } from './signing-key-store.js';

/** Ed25519: small keys, fast and deterministic signatures, no parameter choices to get wrong. */
export const SIGNING_ALGORITHM = 'EdDSA';
export const ACCEPTED_ALGORITHMS: ReadonlySet<string> = new Set([SIGNING_ALGORITHM]);

export interface PublicJwk {
  readonly kty: string;
  readonly crv: string;
  readonly x: string;
  readonly kid: string;
  readonly alg: string;
  readonly use: 'sig';
}

export interface Rotation {
  readonly kid: string;
  readonly retired: readonly string[];
  /** Until when the retired keys still verify (their last tokens expire by then). */
  readonly retiredVerifyUntil: Date;
}

/**
 * The server's signing keys. The database is the source of truth; this process keeps imported
 * keys in memory. Which key signs is asked of the database at every issuance (cheap, and a
 * rotation elsewhere takes effect at once); a kid this process has not seen is looked up on demand.
 */
export class SigningKeys {
  private signer: { readonly kid: string; readonly key: CryptoKey } | undefined;
  private readonly verifiers = new Map<string, CryptoKey>();

  constructor(
    private readonly store: SigningKeyStore,
    private readonly clock: () => number = Date.now,
  ) {}

  /** Creates the first key when there is none. Safe to race: two first keys both verify, the newest signs. */
  async ensure(): Promise<void> {
    if ((await this.store.currentKid()) === undefined) await this.store.insert(await generateKey(this.clock()));
  }

  async signingKey(): Promise<{ kid: string; key: CryptoKey }> {
    let kid = await this.store.currentKid();
    if (kid === undefined) {
      await this.ensure();
      kid = await this.store.currentKid();
    }
    if (this.signer !== undefined && this.signer.kid === kid) return this.signer;
    const stored = kid === undefined ? undefined : await this.store.find(kid);
    if (!stored) throw new Error('No signing key could be loaded');
    const signer = { kid: stored.kid, key: (await importJWK(JSON.parse(stored.privateJwk), stored.algorithm)) as CryptoKey };
    this.signer = signer;
    return signer;
  }

  /** The public key for `kid` while it may still verify tokens, else undefined. */
  async verificationKey(kid: string): Promise<CryptoKey | undefined> {
    const cached = this.verifiers.get(kid);
    if (cached) return cached;
    const stored = await this.store.find(kid);
    if (!stored || !verifiesAt(stored, this.clock())) return undefined;
    const key = (await importJWK(JSON.parse(stored.publicJwk), stored.algorithm)) as CryptoKey;
    // Only real kids reach this map, so it is bounded by the number of keys ever created.
    this.verifiers.set(kid, key);
    return key;
  }

  /** The JWKS document: public parts only, of every key that may still verify a token. */
  async publicKeys(): Promise<PublicJwk[]> {
    const keys = await this.store.verifying(this.clock());
    return keys.map((key) => {
      const { kty, crv, x } = JSON.parse(key.publicJwk) as JWK;
      return { kty: String(kty), crv: String(crv), x: String(x), kid: key.kid, alg: key.algorithm, use: 'sig' };
    });
  }

  /** A new key signs from now on; the old ones verify for `graceMs` more (the longest a token they signed can live). */
  async rotate(graceMs: number): Promise<Rotation> {
    const now = this.clock();
    const key = await generateKey(now);
    const retired = await this.store.rotate(key, now + graceMs);
    return { kid: key.kid, retired, retiredVerifyUntil: new Date(now + graceMs) };
  }
}

const verifiesAt = (key: StoredSigningKey, now: number) => key.verifyUntil === null || key.verifyUntil > now;

async function generateKey(now: number): Promise<StoredSigningKey> {
  const { publicKey, privateKey } = await generateKeyPair(SIGNING_ALGORITHM, { crv: 'Ed25519', extractable: true });
  const publicJwk = await exportJWK(publicKey);
  return {
    kid: await calculateJwkThumbprint(publicJwk),
    algorithm: SIGNING_ALGORITHM,
    publicJwk: JSON.stringify(publicJwk),
    privateJwk: JSON.stringify(await exportJWK(privateKey)),
    createdAt: now,
    retiredAt: null,
    verifyUntil: null,
  };
}
