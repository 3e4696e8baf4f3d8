import { Problem } from '../errors.js';
import { sha256 } from '../shared/secrets.js';
import type { SearchPosition } from './index.js';

/**
 * Opaque page cursors: base64url JSON of where the page ended plus a fingerprint of the query it
 * belongs to, so a cursor replayed with another query is a clear 400 rather than a strange page.
 * Cursors carry no authority: the scope comes from the caller's identity on every request.
 */
export function encodeCursor(position: SearchPosition, fingerprint: string): string {
  return Buffer.from(JSON.stringify([position.score, position.docId, fingerprint])).toString('base64url');
}

export function decodeCursor(cursor: string, fingerprint: string): SearchPosition {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw badCursor();
  }
  if (!Array.isArray(parsed) || parsed.length !== 3) throw badCursor();
  const [score, docId, print] = parsed;
  if (typeof score !== 'number' || !Number.isFinite(score) || !Number.isSafeInteger(docId) || docId < 0) throw badCursor();
  if (print !== fingerprint) {
    throw new Problem(
      'validation_failed',
      'This cursor belongs to another query. Send the same q and scope as the request that returned it.',
    );
  }
  return { score, docId };
}

export const queryFingerprint = (...parts: string[]): string => sha256(parts.join('\u0000')).slice(0, 16);

const badCursor = () =>
  new Problem('validation_failed', 'The cursor is not valid. Use the nextCursor value of a previous answer as it is.');
