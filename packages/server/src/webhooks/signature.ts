import { createHmac } from 'node:crypto';

/**
 * The Shoebox-Signature header of a body sent at `timestamp` (unix seconds): one `v1=` per secret
 * that signs now (two during a rotation's grace period), each the hex HMAC-SHA256 of
 * "<timestamp>.<raw body>" keyed with the whole secret string. A receiver recomputes it with its
 * secret, compares in constant time and refuses old timestamps (replays).
 */
export function signatureHeader(secrets: readonly string[], timestamp: number, body: string): string {
  const signatures = secrets.map((secret) => `v1=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`);
  return [`t=${timestamp}`, ...signatures].join(',');
}
