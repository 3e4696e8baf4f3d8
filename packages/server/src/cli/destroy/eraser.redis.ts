import type { Redis } from 'ioredis';
import { connectRedis, REDIS_NAMESPACES } from '../../limiter/redis.js';
import { redactUrl } from '../../shared/urls.js';
import type { Eraser } from './eraser.js';

/** Keys asked for per SCAN step and removed per UNLINK: small enough for the connection's short command timeout. */
const BATCH = 500;

/**
 * Shoebox's keys in Redis: token buckets, quota counters and login throttles, named
 * `<SHOEBOX_REDIS_PREFIX><namespace>:…` (limiter/redis.ts); keys of another deployment whose prefix
 * starts with ours (`shoebox:staging:`) are not of that shape and stay. Walks the keyspace with SCAN (never KEYS, which blocks the server)
 * and removes with UNLINK (freed in the background), so a shared Redis keeps answering.
 */
export async function openRedisEraser(url: string, prefix: string): Promise<Eraser> {
  const redis = await connectRedis(url);
  const place = `Redis ${redactUrl(url)}, keys starting with "${prefix}"`;
  return {
    name: 'Redis',
    place,
    async survey() {
      // SCAN may return a key twice; a set counts it once.
      const keys = new Set<string>();
      for await (const batch of shoeboxKeys(redis, prefix)) for (const key of batch) keys.add(key);
      return keys.size === 0 ? [] : [{ description: `${place}: ${keys.size} key(s)`, items: keys.size }];
    },
    async erase(removed) {
      for await (const batch of shoeboxKeys(redis, prefix)) removed(await redis.unlink(...batch));
    },
    async close() {
      redis.disconnect();
    },
  };
}

async function* shoeboxKeys(redis: Redis, prefix: string): AsyncGenerator<string[]> {
  for (const namespace of Object.values(REDIS_NAMESPACES)) {
    // config/config.ts admits no glob characters in the prefix; escaping keeps the pattern literal regardless.
    const pattern = `${`${prefix}${namespace}:`.replace(/[*?[\]\\]/g, '\\$&')}*`;
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', BATCH);
      if (keys.length > 0) yield keys;
      cursor = next;
    } while (cursor !== '0');
  }
}
