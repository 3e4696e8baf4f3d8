import { foldedWords } from './fold.js';
import type { SearchQuery, Term } from './query.js';

/**
 * Builds PostgreSQL tsquery text (for to_tsquery) from a parsed query. The user's text never
 * reaches tsquery syntax: a term becomes its folded words (foldedWords: letters and digits only,
 * so nothing in them can quote, escape or operate), each quoted, confined to the headline and text
 * weights (A and B; scope words are D) and joined with <-> into a phrase; the last word of a
 * prefix term gets :*. Groups are joined with &, their terms with |, exclusions with & !.
 * Null when no term has a word left: nothing can match.
 */
export function tsqueryText(query: SearchQuery): string | null {
  const groups = query.groups.map((group) => either(group.map(phrase).filter(isText))).filter(isText);
  if (groups.length < query.groups.length || groups.length === 0) return null;
  const excluded = query.excluded
    .map(phrase)
    .filter(isText)
    .map((text) => `!${text}`);
  return [...groups, ...excluded].join(' & ');
}

/** The tsquery text matching documents in one scope: its scope word, in the D weight only. */
export const scopeTsquery = (token: string): string => `'${token}':D`;

function phrase(term: Term): string | null {
  const words = foldedWords(term.text);
  const quoted = words.map((word, i) => `'${word}':${term.prefix && i === words.length - 1 ? '*' : ''}AB`);
  if (quoted.length === 0) return null;
  return quoted.length === 1 ? (quoted[0] as string) : `(${quoted.join(' <-> ')})`;
}

function either(terms: string[]): string | null {
  if (terms.length === 0) return null;
  return terms.length === 1 ? (terms[0] as string) : `(${terms.join(' | ')})`;
}

const isText = (value: string | null): value is string => value !== null;
