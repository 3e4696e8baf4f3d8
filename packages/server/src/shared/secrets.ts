import { createHash, hash, randomBytes, timingSafeEqual } from 'node:crypto';

/** A random secret with a recognisable prefix, e.g. `sbk_…` for API keys: 256 bits, base64url. */
export const newSecret = (prefix: string): string => `${prefix}_${randomBytes(32).toString('base64url')}`;

/** A short random id with a type prefix, e.g. `key_3q2-…`: 96 bits, base64url. */
export const newId = (prefix: string): string => `${prefix}_${randomBytes(12).toString('base64url')}`;

/** One-shot hashing: several times cheaper than a Hash object for the short strings hashed per request (keys, tokens). */
export const sha256 = (value: string): string => hash('sha256', value, 'hex');

/** Compares two strings in time independent of where they differ (their hashes have equal length). */
export function constantTimeEqual(a: string, b: string): boolean {
  return timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest());
}
