import { MARK_END, MARK_START } from './index.js';
import { type Instance, snippetStart } from './snippet-window.sqlite.js';

/**
 * FTS5's highlight() and snippet() (fts5_aux.c), replayed in JavaScript for ASCII text. For ASCII,
 * the unicode61 tokenizer's tokens are exactly the runs of [A-Za-z0-9], folded to lower case; the
 * porter stems come from FTS5 itself (Fts5Tokenizer's stem cache). The rest follows the C code step by
 * step, down to its tie-breaks, so the marks are the ones FTS5 would make: the property test in
 * marks.sqlite.test.ts holds them to FTS5's own on random texts and queries.
 */

/** A query term as FTS5 matches it: its stems in order, the last one a prefix when the term is. */
export interface Phrase {
  readonly stems: readonly string[];
  readonly prefix: boolean;
}

/**
 * A column's tokens: where each starts and ends in the text, and its word folded to lower case, or
 * '' for a word that cannot match (see asciiWords).
 */
export interface AsciiWords {
  readonly text: string;
  readonly starts: readonly number[];
  readonly ends: readonly number[];
  readonly words: readonly string[];
}

/** A column's tokens with their porter stems ('' where the word cannot match). */
export interface StemmedColumn extends AsciiWords {
  readonly stems: readonly string[];
}

const ELLIPSIS = '…';

/**
 * Which first letters (ASCII codes, lower case) a word needs to match one of these phrases.
 * Porter stemming only ever rewrites the end of a word of three letters or more and always leaves
 * some of it (fts5PorterCb), so a word's stem starts with the word's own first letter: a word whose
 * first letter starts no stem of the query is no match, whatever it stems to.
 */
function firstLetters(phrases: readonly Phrase[]): Uint8Array {
  const letters = new Uint8Array(128);
  for (const phrase of phrases) {
    for (const stem of phrase.stems) {
      const c = stem.charCodeAt(0);
      if (c < 128) letters[c] = 1;
    }
  }
  return letters;
}

/**
 * The unicode61 tokens of a text, or undefined when it is not all ASCII. Only words that start
 * with one of `letters` (MarkedQuery) are copied out, as stemming them costs a cache lookup each.
 * A loop over char codes: a page of notes is tokenized on every search, and regular expression
 * matches cost several times more.
 */
export function asciiWords(text: string, letters: Uint8Array): AsciiWords | undefined {
  const starts: number[] = [];
  const ends: number[] = [];
  const words: string[] = [];
  let start = -1;
  for (let i = 0; i <= text.length; i++) {
    const c = i < text.length ? text.charCodeAt(i) : 0;
    if (c > 0x7f) return undefined;
    if ((c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a)) {
      if (start < 0) start = i;
    } else if (start >= 0) {
      starts.push(start);
      ends.push(i);
      const first = text.charCodeAt(start);
      // Upper case letters fold to lower case, 32 code points on.
      words.push(letters[first <= 0x5a && first >= 0x41 ? first + 0x20 : first] ? text.slice(start, i).toLowerCase() : '');
      start = -1;
    }
  }
  return { text, starts, ends, words };
}

/** A query's groups of phrases, flattened as FTS5 numbers its phrases, with what marking needs of them. */
export interface MarkedQuery {
  readonly phrases: readonly Phrase[];
  /** Each phrase's length in tokens. */
  readonly sizes: readonly number[];
  /** Where each group's phrases end in `phrases`. */
  readonly groupEnds: readonly number[];
  /** Which first letters a word needs to match a phrase (firstLetters). */
  readonly letters: Uint8Array;
}

export function markedQuery(groups: readonly (readonly Phrase[])[]): MarkedQuery {
  const phrases = groups.flat();
  let end = 0;
  return {
    phrases,
    sizes: phrases.map((phrase) => phrase.stems.length),
    groupEnds: groups.map((group) => {
      end += group.length;
      return end;
    }),
    letters: firstLetters(phrases),
  };
}

/**
 * The headline marked whole and a snippet of the text of `snippetTokens` tokens, as
 * `highlight(t, 0, …)` and `snippet(t, 1, …, '…', snippetTokens)` give them for the expression
 * `{headline text} : ((g1 OR …) AND (g2 OR …))`; undefined when a group has no match in either.
 */
export function markDocument(
  headline: StemmedColumn,
  text: StemmedColumn,
  query: MarkedQuery,
  snippetTokens: number,
): { headline: string; text: string } | undefined {
  const instances: Instance[] = [];
  findInstances(headline, 0, query.phrases, instances);
  findInstances(text, 1, query.phrases, instances);
  let first = 0;
  for (const last of query.groupEnds) {
    if (!instances.some((instance) => instance.phrase >= first && instance.phrase < last)) return undefined;
    first = last;
  }
  const start = snippetStart(text, instances, query.sizes, snippetTokens);
  return {
    headline: replay(headline, coalesce(instances, 0, query.sizes)).out,
    text: snippet(text, coalesce(instances, 1, query.sizes), start, snippetTokens),
  };
}

/** Every place a phrase matches, ordered as FTS5's xInst orders them: by column, offset, then phrase. */
function findInstances(column: StemmedColumn, index: 0 | 1, phrases: readonly Phrase[], found: Instance[]): void {
  for (let offset = 0; offset < column.stems.length; offset++) {
    for (let phrase = 0; phrase < phrases.length; phrase++) {
      if (matchesAt(column.stems, offset, phrases[phrase] as Phrase)) found.push({ phrase, column: index, offset });
    }
  }
}

function matchesAt(stems: readonly string[], offset: number, phrase: Phrase): boolean {
  const last = phrase.stems.length - 1;
  for (let k = 0; k <= last; k++) {
    const token = stems[offset + k];
    const stem = phrase.stems[k] as string;
    if (token === undefined || !(k === last && phrase.prefix ? token.startsWith(stem) : token === stem)) return false;
  }
  return true;
}

/** A column's instances with overlapping ones merged, as [first token, last token] (fts5CInstIterNext). */
function coalesce(instances: readonly Instance[], column: 0 | 1, sizes: readonly number[]): [number, number][] {
  const spans: [number, number][] = [];
  for (const { phrase, column: c, offset } of instances) {
    if (c !== column) continue;
    const end = offset - 1 + (sizes[phrase] ?? 0);
    const current = spans.at(-1);
    if (current && offset <= current[1]) current[1] = Math.max(current[1], end);
    else spans.push([offset, end]);
  }
  return spans;
}

function snippet(text: StemmedColumn, spans: readonly [number, number][], start: number, tokens: number): string {
  const range = { start, end: start + tokens - 1 };
  const { out, offset } = replay(text, spans, range);
  const prefix = start > 0 ? ELLIPSIS : '';
  return prefix + out + (range.end >= text.starts.length - 1 ? text.text.slice(offset) : ELLIPSIS);
}

/**
 * fts5HighlightCb over a column's tokens: marks each span, copying the text between them; with a
 * range, only its tokens, from the first one's start to the last one's end (except that a range
 * from the very first token keeps the text before it, as FTS5 does). Answers the output with any
 * open mark closed, and how far into the text it copied.
 */
function replay(column: StemmedColumn, spans: readonly [number, number][], range?: { start: number; end: number }) {
  const { text, starts, ends } = column;
  let out = '';
  let offset = 0;
  let open = false;
  let next = 0;
  // A range starts at the first span that starts in it (the snippet's iterator is advanced to it).
  while (range && (spans[next]?.[0] ?? Number.POSITIVE_INFINITY) < range.start) next++;
  const from = range ? range.start : 0;
  const to = range ? Math.min(range.end, starts.length - 1) : starts.length - 1;
  for (let position = from; position <= to; position++) {
    const start = starts[position] as number;
    const end = ends[position] as number;
    if (range && range.start > 0 && position === range.start) offset = start;
    const spanStart = spans[next]?.[0] ?? -1;
    if (open && (position <= spanStart || spanStart < 0) && start > offset) {
      out += MARK_END;
      open = false;
    }
    if (position === spanStart && !open) {
      out += text.slice(offset, start) + MARK_START;
      offset = start;
      open = true;
    }
    if (position === (spans[next]?.[1] ?? -1)) {
      if (!open) {
        out += MARK_START;
        open = true;
      }
      out += text.slice(offset, end);
      offset = end;
      next++;
    }
    if (position === range?.end) {
      if (open) {
        const following = spans[next]?.[0] ?? -1;
        if (following >= 0 && position >= following) {
          out += text.slice(offset, end);
          offset = end;
        }
        out += MARK_END;
        open = false;
      }
      out += text.slice(offset, end);
      offset = end;
    }
  }
  if (open) out += MARK_END;
  return { out: range ? out : out + text.slice(offset), offset };
}
