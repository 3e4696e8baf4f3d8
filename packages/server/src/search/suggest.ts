import { foldWord as fold } from './fold.js';
import type { SearchHit } from './index.js';

const WORD = /[\p{L}\p{N}]+/gu;

/**
 * Builds completions from the caller's best matching notes (so nothing comes from anyone else's):
 * words of those notes that start with the last word typed, most frequent first, then the
 * headlines of the notes themselves.
 */
export function suggestionsFrom(typed: string, hits: readonly SearchHit[], limit: number): { kind: 'term' | 'headline'; value: string }[] {
  const lastWord = typed.match(WORD)?.at(-1);
  const prefix = lastWord ? fold(lastWord) : '';
  const counts = new Map<string, { word: string; count: number }>();
  if (prefix && /[\p{L}\p{N}]$/u.test(typed)) {
    for (const hit of hits) {
      for (const word of `${hit.headline} ${hit.text}`.match(WORD) ?? []) {
        const folded = fold(word);
        if (!folded.startsWith(prefix) || folded === prefix) continue;
        const entry = counts.get(folded) ?? { word: word.toLowerCase(), count: 0 };
        entry.count++;
        counts.set(folded, entry);
      }
    }
  }
  const terms = [...counts.values()]
    .sort((a, b) => b.count - a.count || a.word.localeCompare(b.word))
    .slice(0, Math.ceil(limit / 2))
    .map((entry) => ({ kind: 'term' as const, value: entry.word }));
  const headlines = [...new Set(hits.map((hit) => hit.headline))].map((value) => ({ kind: 'headline' as const, value }));
  return [...terms, ...headlines].slice(0, limit);
}
