import { createPrivateKey, type KeyObject } from 'node:crypto';
import { type CryptoKey, calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, type JWK } from 'jose';
import type { CacheGenerations } from '../db/cache-generations.js';
import { type Clock, systemClock } from '../shared/clock.js';
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

interface Verifier {
  readonly key: CryptoKey;
  readonly verifyUntil: number | null;
}

/** The key that signs access tokens now (a node:crypto key: see access-tokens.ts for why). */
export interface Signer {
  readonly kid: string;
  readonly key: KeyObject;
}

/** Keys read from the database, and the generation of signing_keys taken before reading them. */
interface Loaded<T> {
  readonly generation: number | undefined;
  readonly value: T;
}

/**
 * The server's signing keys. The database is the source of truth; this process keeps imported
 * keys in memory for as long as no signing key changed anywhere (db/cache-generations.ts): a
 * rotation, or a `rotate-key --revoke-old` after a leak, is seen by the very next request of every
 * process. Every use also checks the key's window, so a retired key stops verifying at its deadline.
 */
export class SigningKeys {
  private signer: Loaded<Signer> | undefined;
  private verifiers: Loaded<Map<string, Verifier>> = { generation: undefined, value: new Map() };
  /** The read in progress, shared by the requests that see the same generation meanwhile. */
  private loading: Loaded<Promise<Map<string, Verifier>>> | undefined;

  constructor(
    private readonly store: SigningKeyStore,
    private readonly generations: CacheGenerations,
    private readonly clock: Clock = systemClock,
  ) {}

  /** Creates the first key when there is none. Safe to race: two first keys both verify, the newest signs. */
  async ensure(): Promise<void> {
    if ((await this.store.currentKid()) !== undefined) return;
    await this.store.insert(await generateKey(this.clock.now()));
    await this.generations.committed('signing_keys');
  }

  async signingKey(): Promise<Signer> {
    const generation = this.generations.current('signing_keys');
    if (generation !== undefined && this.signer?.generation === generation) return this.signer.value;
    let kid = await this.store.currentKid();
    if (kid === undefined) {
      await this.ensure();
      kid = await this.store.currentKid();
    }
    let signer = this.signer?.value;
    if (signer === undefined || signer.kid !== kid) {
      const stored = kid === undefined ? undefined : await this.store.find(kid);
      if (!stored) throw new Error('No signing key could be loaded');
      signer = { kid: stored.kid, key: createPrivateKey({ key: JSON.parse(stored.privateJwk), format: 'jwk' }) };
    }
    this.signer = { generation, value: signer };
    return signer;
  }

  /** The public key for `kid` while it may still verify tokens, else undefined. Called for every token presented. */
  async verificationKey(kid: string): Promise<CryptoKey | undefined> {
    const verifier = (await this.currentVerifiers()).get(kid);
    return verifier && verifiesAt(verifier, this.clock.now()) ? verifier.key : undefined;
  }

  /** The JWKS document: public parts only, of every key that may still verify a token. */
  async publicKeys(): Promise<PublicJwk[]> {
    const keys = await this.store.verifying(this.clock.now());
    return keys.map((key) => {
      const { kty, crv, x } = JSON.parse(key.publicJwk) as JWK;
      return { kty: String(kty), crv: String(crv), x: String(x), kid: key.kid, alg: key.algorithm, use: 'sig' };
    });
  }

  /**
   * A new key signs from now on; the old ones verify for `graceMs` more (the longest a token they
   * signed can live), or not at all with 0: they are deleted, and every process stops accepting them.
   */
  async rotate(graceMs: number): Promise<Rotation> {
    const now = this.clock.now();
    const key = await generateKey(now);
    const retired = await this.store.rotate(key, now + graceMs);
    await this.generations.committed('signing_keys');
    return { kid: key.kid, retired, retiredVerifyUntil: new Date(now + graceMs) };
  }

  /**
   * The keys that may verify, as of now. A kid missing from a current set is unknown for sure, so
   * made-up kids cost no query. Without a known generation, every call reads the set again.
   */
  private currentVerifiers(): Promise<Map<string, Verifier>> | Map<string, Verifier> {
    const generation = this.generations.current('signing_keys');
    if (generation === undefined) return this.load(generation);
    if (this.verifiers.generation === generation) return this.verifiers.value;
    if (this.loading?.generation !== generation) {
      const promise = this.load(generation).finally(() => {
        if (this.loading?.value === promise) this.loading = undefined;
      });
      this.loading = { generation, value: promise };
    }
    return this.loading.value;
  }

  private async load(generation: number | undefined): Promise<Map<string, Verifier>> {
    const next = new Map<string, Verifier>();
    for (const stored of await this.store.verifying(this.clock.now())) {
      // A kid is the thumbprint of its public key: a key imported before is still the same key.
      const key = this.verifiers.value.get(stored.kid)?.key ?? (await importPublicKey(stored));
      next.set(stored.kid, { key, verifyUntil: stored.verifyUntil });
    }
    this.verifiers = { generation, value: next };
    return next;
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
