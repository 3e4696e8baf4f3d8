import type { Redis } from 'ioredis';
import type { BucketState, TokenBuckets } from './limiter.js';
import { REDIS_NAMESPACES } from './redis.js';

/**
 * Token buckets in Redis, shared by every API process. One Lua script refills and takes a token
 * atomically, using the Redis server's clock so that processes with skewed clocks agree.
 * Idle buckets expire once they would be full again.
 */
const TAKE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1]) or burst
local at = tonumber(state[2]) or now
tokens = math.min(burst, tokens + math.max(0, now - at) / 1000 * rate)
local allowed = 0
if tokens >= cost then
  tokens = tokens - cost
  allowed = 1
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil((burst - tokens) / rate * 1000) + 1000)
return { allowed, tostring(tokens) }
`;

export class RedisTokenBuckets implements TokenBuckets {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {
    redis.defineCommand('shoeboxTakeToken', { numberOfKeys: 1, lua: TAKE });
  }

  async take(keyId: string, rate: number, burst: number, cost = 1): Promise<BucketState> {
    const [allowed, left] = (await (this.redis as unknown as TakeCommand).shoeboxTakeToken(
      `${this.prefix}${REDIS_NAMESPACES.buckets}:${keyId}`,
      rate,
      burst,
      cost,
    )) as [number, string];
    const tokens = Number(left);
    return {
      allowed: allowed === 1,
      remaining: Math.floor(tokens),
      resetSeconds: Math.ceil((burst - tokens) / rate),
      retryAfterSeconds: allowed === 1 ? 0 : Math.max(1, Math.ceil((cost - tokens) / rate)),
    };
  }

  async close(): Promise<void> {}
}

interface TakeCommand {
  shoeboxTakeToken(key: string, rate: number, burst: number, cost: number): Promise<unknown>;
}
