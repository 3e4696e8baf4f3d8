import type { Redis } from 'ioredis';
import { redactUrl } from '../shared/urls.js';

/**
 * Every kind of key Shoebox writes to Redis, each named `<SHOEBOX_REDIS_PREFIX><namespace>:…`.
 * Writers take their namespace from here, so `shoebox destroy` removes exactly these and nothing
 * of another deployment whose prefix merely starts like ours.
 */
export const REDIS_NAMESPACES = {
  buckets: 'bucket',
  quotas: 'quota',
  loginEmails: 'login-email',
  loginPairs: 'login-pair',
  loginAddresses: 'login-address',
  guestAddresses: 'guest-address',
  mailRecipients: 'mail-recipient',
  mailAddresses: 'mail-address',
} as const;

export type RedisNamespace = (typeof REDIS_NAMESPACES)[keyof typeof REDIS_NAMESPACES];

/**
 * A Redis connection for the limiter. It must fail fast: a request never waits on a Redis that
 * does not answer (no offline queue, one retry, a short command timeout), so the fallback to
 * per-process limits takes over at once. Fails at open when Redis cannot be reached.
 */
export async function connectRedis(url: string): Promise<Redis> {
  // Imported here: the login and guest throttles need this module's namespaces on every engine, ioredis only with Redis.
  const { Redis } = await import('ioredis');
  const redis = new Redis(url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    commandTimeout: 500,
    connectTimeout: 5000,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2000),
  });
  // Errors surface through failed commands (and the fallback); an unhandled 'error' event would crash.
  // The last one is kept: when connecting fails, ioredis only says "Connection is closed".
  let lastError: Error | undefined;
  redis.on('error', (error: Error) => {
    lastError = error;
  });
  try {
    await redis.connect();
    await redis.ping();
  } catch (error) {
    redis.disconnect();
    throw new Error(`Cannot reach Redis at ${redactUrl(url)}: ${(lastError ?? (error as Error)).message}`);
  }
  return redis;
}
