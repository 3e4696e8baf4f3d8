import { type CacheGenerations, GenerationCache } from '../db/cache-generations.js';
import { Problem } from '../errors.js';
import type { Plan, QuotaUsage } from '../limiter/limiter.js';
import type { PlanLimiter } from '../limiter/plan-limiter.js';
import { newId, newSecret, sha256 } from '../shared/secrets.js';
import type { ApiKey, ApiKeyStore, NewApiKey } from './store.js';

export const KEY_PREFIX = 'sbk';
const KEY_SHAPE = /^sbk_[A-Za-z0-9_-]{43}$/;

const CACHE_MAX_ENTRIES = 10_000;

export interface CreatedApiKey {
  readonly apiKey: ApiKey;
  /** The secret, returned once and never stored. */
  readonly secret: string;
}

export class ApiKeyService {
  /**
   * Keys by secret hash, unknown ones too (so a flood of made-up keys costs no query each), kept
   * while no key changed anywhere: a revocation is seen by the very next request, in every process.
   */
  private readonly cache: GenerationCache<ApiKey | undefined>;

  constructor(
    private readonly store: ApiKeyStore,
    private readonly limiter: PlanLimiter,
    private readonly generations: CacheGenerations,
  ) {
    this.cache = new GenerationCache(generations, 'api_keys', CACHE_MAX_ENTRIES);
  }

  async create(name: string, plan: Plan): Promise<CreatedApiKey> {
    const { key, secret } = newKey(name, plan);
    return { apiKey: await this.store.insert(key), secret };
  }

  /** The first key of a new deployment, or undefined when there is one already (another process may have made it). */
  async createFirst(name: string, plan: Plan): Promise<CreatedApiKey | undefined> {
    const { key, secret } = newKey(name, plan);
    const apiKey = await this.store.insertFirst(key);
    return apiKey && { apiKey, secret };
  }

  /**
   * The active key for a presented secret. The database is searched by the secret's hash, so
   * neither the lookup nor any comparison depends on how much of a guessed secret is right.
   */
  async authenticate(secret: string | undefined): Promise<ApiKey> {
    if (secret === undefined || secret === '') {
      throw new Problem('api_key_missing', 'Send your API key in the x-api-key header. Create one with `shoebox keys create`.');
    }
    if (!KEY_SHAPE.test(secret)) {
      throw new Problem('api_key_invalid', 'This is not a Shoebox API key: keys start with "sbk_" followed by 43 characters.');
    }
    const hash = sha256(secret);
    const key = await this.cache.get(hash, () => this.store.findBySecretHash(hash));
    if (!key) throw new Problem('api_key_invalid', 'This API key is unknown. Check for a typo or create a new key.');
    if (key.revokedAt) throw new Problem('api_key_invalid', 'This API key has been revoked. Use another key.');
    return key;
  }

  list(): Promise<ApiKey[]> {
    return this.store.list();
  }

  async get(id: string): Promise<{ apiKey: ApiKey; usage: QuotaUsage | null }> {
    const apiKey = await this.mustFind(id);
    return { apiKey, usage: await this.limiter.usage(apiKey.id, apiKey.plan) };
  }

  async setPlan(id: string, plan: Plan): Promise<ApiKey> {
    const found = await this.store.setPlan(id, plan);
    await this.generations.committed('api_keys');
    if (!found) throw notFound(id);
    return this.mustFind(id);
  }

  async revoke(id: string): Promise<ApiKey> {
    const found = await this.store.revoke(id, new Date());
    await this.generations.committed('api_keys');
    if (!found) throw notFound(id);
    return this.mustFind(id);
  }

  private async mustFind(id: string): Promise<ApiKey> {
    const apiKey = await this.store.findById(id);
    if (!apiKey) throw notFound(id);
    return apiKey;
  }
}

const notFound = (id: string) => new Problem('not_found', `No API key has the id ${JSON.stringify(id)}. List keys with GET /admin/keys.`);

function newKey(name: string, plan: Plan): { key: NewApiKey; secret: string } {
  const secret = newSecret(KEY_PREFIX);
  return {
    key: { id: newId('key'), name, secretHash: sha256(secret), prefix: secret.slice(0, 10), plan, createdAt: new Date() },
    secret,
  };
}
