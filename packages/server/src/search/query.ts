import { Problem } from '../errors.js';

/**
 * The search query language: `words` (all must match), `"exact phrases"`, `-excluded` words or
 * phrases, `prefix*`, and `OR` between two terms (`a b OR c` means a AND (b OR c)). Everything
 * else is text: quotes, stars, colons, parentheses, NEAR and the like carry no meaning. Engines
 * build their own query syntax from the parsed terms (quoting every one), never from user text.
 */
export interface Term {
  /** One word or a phrase of several, as typed (the engine's tokenizer folds case, diacritics and stems). */
  readonly text: string;
  /** Matches words that start with the (last word of the) text. */
  readonly prefix: boolean;
}

export interface SearchQuery {
  /** Every group must match; a group matches when any of its terms does. Never empty. */
  readonly groups: readonly (readonly Term[])[];
  /** No document containing any of these matches. */
  readonly excluded: readonly Term[];
}

export const QUERY_MAX_LENGTH = 500;
export const QUERY_MAX_TERMS = 32;
/** A one-letter prefix matches most of the index: too costly to answer. */
export const PREFIX_MIN_LENGTH = 2;

/** A term must contain a letter or a digit: anything else is punctuation the index never holds. */
const SEARCHABLE = /[\p{L}\p{N}]/u;
const WORDS = /[\p{L}\p{N}]+/gu;
/** Control and format characters are treated as spaces. */
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/gu;

type Item = { readonly or: true } | { readonly or: false; readonly term: Term; readonly negated: boolean };

/** The one term a query asks for, when it is just that: no prefix, no OR, no exclusion (a phrase is for the engine to tell). */
export function singleTerm(query: SearchQuery): Term | undefined {
  const [group] = query.groups;
  const term = query.groups.length === 1 && group?.length === 1 && query.excluded.length === 0 ? group[0] : undefined;
  return term?.prefix ? undefined : term;
}

/** Parses a query typed by a user; throws a validation problem when nothing searchable is left. */
export function parseQuery(input: string): SearchQuery {
  if (input.length > QUERY_MAX_LENGTH) {
    throw new Problem('validation_failed', `The query is longer than ${QUERY_MAX_LENGTH} characters. Search for fewer words.`);
  }
  const groups: Term[][] = [];
  const excluded: Term[] = [];
  let orPending = false;
  let lastWasPositive = false;
  for (const item of tokenize(input.normalize('NFC').replace(INVISIBLE, ' '))) {
    if (item.or) {
      orPending = lastWasPositive;
      continue;
    }
    if (!SEARCHABLE.test(item.term.text)) continue;
    if (item.term.prefix && (item.term.text.match(WORDS)?.at(-1)?.length ?? 0) < PREFIX_MIN_LENGTH) {
      throw new Problem(
        'validation_failed',
        `"${item.term.text}*" is too short a prefix: type at least ${PREFIX_MIN_LENGTH} letters before the *.`,
      );
    }
    if (item.negated) {
      excluded.push(item.term);
      lastWasPositive = false;
    } else {
      const last = groups.at(-1);
      if (orPending && last) last.push(item.term);
      else groups.push([item.term]);
      lastWasPositive = true;
    }
    orPending = false;
  }
  if (groups.length === 0) {
    throw new Problem(
      'validation_failed',
      'The query has no word to search for. Type at least one word; -word only excludes, and punctuation alone matches nothing.',
    );
  }
  const terms = groups.reduce((n, group) => n + group.length, excluded.length);
  if (terms > QUERY_MAX_TERMS) {
    throw new Problem('validation_failed', `The query has ${terms} terms; at most ${QUERY_MAX_TERMS} are allowed. Search for fewer words.`);
  }
  return { groups, excluded };
}

function* tokenize(input: string): Generator<Item> {
  let i = 0;
  while (i < input.length) {
    if (/\s/u.test(input[i] ?? '')) {
      i++;
      continue;
    }
    let negated = false;
    if (input[i] === '-' && i + 1 < input.length && !/\s/u.test(input[i + 1] ?? '')) {
      negated = true;
      i++;
    }
    let text: string;
    let prefix = false;
    if (input[i] === '"') {
      const close = input.indexOf('"', i + 1);
      const end = close === -1 ? input.length : close;
      text = input.slice(i + 1, end);
      i = end + 1;
      if (input[i] === '*') {
        prefix = true;
        while (input[i] === '*') i++;
      }
    } else {
      const start = i;
      while (i < input.length && input[i] !== '"' && !/\s/u.test(input[i] ?? '')) i++;
      text = input.slice(start, i);
      if (!negated && text === 'OR') {
        yield { or: true };
        continue;
      }
      const stars = /\*+$/.exec(text);
      if (stars) {
        prefix = true;
        text = text.slice(0, stars.index);
      }
    }
    yield { or: false, term: { text: text.trim(), prefix }, negated };
  }
}
