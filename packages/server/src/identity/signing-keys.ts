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
 * How long a process trusts its copy of the verifying keys before reading them again: a key that
 * `rotate-key --revoke-old` removed, or whose window was shortened, stops verifying in every
 * process within this time. One small query per process per period, on the request path.
 */
export const KEY_SET_MAX_AGE_MS = 5_000;

interface Verifier {
  readonly key: CryptoKey;
  readonly verifyUntil: number | null;
}

/**
 * The server's signing keys. The database is the source of truth; this process keeps imported
 * keys in memory. Which key signs is asked of the database at every issuance (cheap, and a
 * rotation elsewhere takes effect at once). The verifying keys are read again every
 * KEY_SET_MAX_AGE_MS, a kid this process has not seen is looked up on demand, and every use
 * checks the key's window, so a retired key stops verifying at its deadline.
 */
export class SigningKeys {
  private signer: { readonly kid: string; readonly key: CryptoKey } | undefined;
  private verifiers = new Map<string, Verifier>();
  private loadedAt = Number.NEGATIVE_INFINITY;
  /** The read in progress, shared by the requests that arrive meanwhile. */
  private loading: Promise<void> | undefined;

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

  /** The public key for `kid` while it may still verify tokens, else undefined. Called for every token presented. */
  async verificationKey(kid: string): Promise<CryptoKey | undefined> {
    if (this.clock() - this.loadedAt >= KEY_SET_MAX_AGE_MS) await this.reload();
    // A kid not in the set may be a key made since the last read (a rotation elsewhere): one indexed lookup.
    const verifier = this.verifiers.get(kid) ?? (await this.lookUp(kid));
    return verifier && verifiesAt(verifier, this.clock()) ? verifier.key : undefined;
  }

  /** The JWKS document: public parts only, of every key that may still verify a token. */
  async publicKeys(): Promise<PublicJwk[]> {
    const keys = await this.store.verifying(this.clock());
    return keys.map((key) => {
      const { kty, crv, x } = JSON.parse(key.publicJwk) as JWK;
      return { kty: String(kty), crv: String(crv), x: String(x), kid: key.kid, alg: key.algorithm, use: 'sig' };
    });
  }

  /**
   * A new key signs from now on; the old ones verify for `graceMs` more (the longest a token they
   * signed can live), or not at all with 0: they are deleted, and every process stops accepting
   * them within KEY_SET_MAX_AGE_MS.
   */
  async rotate(graceMs: number): Promise<Rotation> {
    const now = this.clock();
    const key = await generateKey(now);
    const retired = await this.store.rotate(key, now + graceMs);
    this.loadedAt = Number.NEGATIVE_INFINITY;
    return { kid: key.kid, retired, retiredVerifyUntil: new Date(now + graceMs) };
  }

  private reload(): Promise<void> {
    this.loading ??= this.load().finally(() => {
      this.loading = undefined;
    });
    return this.loading;
  }

  private async load(): Promise<void> {
    const now = this.clock();
    const next = new Map<string, Verifier>();
    for (const stored of await this.store.verifying(now)) {
      // A kid is the thumbprint of its public key: a key imported before is still the same key.
      const key = this.verifiers.get(stored.kid)?.key ?? (await importPublicKey(stored));
      next.set(stored.kid, { key, verifyUntil: stored.verifyUntil });
    }
    this.verifiers = next;
    this.loadedAt = now;
  }

  private async lookUp(kid: string): Promise<Verifier | undefined> {
    const stored = await this.store.find(kid);
    if (!stored || !verifiesAt(stored, this.clock())) return undefined;
    const verifier = { key: await importPublicKey(stored), verifyUntil: stored.verifyUntil };
    // Only real kids reach the map, so it is bounded by the keys that may still verify.
    this.verifiers.set(kid, verifier);
    return verifier;
  }
}

const verifiesAt = (key: { readonly verifyUntil: number | null }, now: number) => key.verifyUntil === null || key.verifyUntil > now;

const importPublicKey = async (stored: StoredSigningKey) => (await importJWK(JSON.parse(stored.publicJwk), stored.algorithm)) as CryptoKey;

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
