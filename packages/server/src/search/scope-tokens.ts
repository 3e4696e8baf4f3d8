import { sha256 } from '../shared/secrets.js';
import type { IndexedNote, SearchScope } from './index.js';

/**
 * Scope as words of the full-text index, so the engine walks only the caller's documents (or the
 * public ones) instead of every match. The owner's word is a hash: one token whatever the id looks
 * like. Users' terms never reach these words (each engine confines them to headline and text).
 * The owner/visibility condition on the row is checked as well.
 */
export const PUBLIC_TOKEN = 'public';

export const ownerToken = (ownerId: string): string => `o${sha256(ownerId).slice(0, 32)}`;

export const scopeTokensOf = (note: Pick<IndexedNote, 'ownerId' | 'visibility'>): string =>
  `${ownerToken(note.ownerId)}${note.visibility === 'public' ? ` ${PUBLIC_TOKEN}` : ''}`;

export const scopeToken = (scope: SearchScope): string => (scope.kind === 'owner' ? ownerToken(scope.ownerId) : PUBLIC_TOKEN);
