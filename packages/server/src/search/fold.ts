import { MARK_END, MARK_START } from './index.js';

const MARK = /\p{M}/u;
const MARKS = /\p{M}/gu;
const WORD_CHAR = /[\p{L}\p{N}]/u;
const NOT_WORD_CHARS = /[^\p{L}\p{N}]/gu;
const HAS_WORD_CHAR = /[\p{L}\p{N}]/u;
const NOT_ASCII_WORD_CHARS = /[^a-z0-9]/g;

/** Case- and accent-insensitive form of a word: compatibility decomposition, combining marks dropped, lower case. */
export const foldWord = (word: string): string => word.normalize('NFKD').replace(MARKS, '').toLowerCase().replace(MARKS, '');

/**
 * Text as an index that cannot fold diacritics itself reads it: every letter and digit folded
 * (foldWord), everything else a space, so words are runs of letters and digits whatever the
 * engine's parser or locale thinks of punctuation. `origins[i]` is where the character at `i`
 * came from in the original (`origins[text.length]` is the original's length), so marks placed
 * in the folded text can be carried back to the original.
 */
export interface FoldedText {
  readonly text: string;
  readonly origins: readonly number[];
}

export function foldText(original: string): FoldedText {
  if (isAscii(original)) return foldAscii(original);
  let text = '';
  const origins: number[] = [];
  let at = 0;
  for (const char of original) {
    // A combining mark on its own (text not in NFC) belongs to the letter before it.
    const piece = MARK.test(char) ? '' : WORD_CHAR.test(char) ? foldWord(char).replace(NOT_WORD_CHARS, ' ') : ' ';
    for (let i = 0; i < piece.length; i++) origins.push(at);
    text += piece;
    at += char.length;
  }
  origins.push(original.length);
  return { text, origins };
}

const isAscii = (text: string): boolean => {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0x7f) return false;
  return true;
};

/**
 * foldText for ASCII, the common case, a tenth of the cost of its per-character work (which takes
 * about 0.2 ms for a note of 600 characters, paid at every indexing and for every hit highlighted):
 * ASCII has no marks and nothing to decompose, its letters and digits are [A-Za-z0-9], and each
 * character folds to one, so every position is its own origin.
 */
function foldAscii(original: string): FoldedText {
  const origins: number[] = [];
  for (let i = 0; i <= original.length; i++) origins.push(i);
  return { text: original.toLowerCase().replace(NOT_ASCII_WORD_CHARS, ' '), origins };
}

/** The words of a piece of query text, folded as foldText folds documents. */
export const foldedWords = (text: string): string[] => foldText(text).text.split(' ').filter(Boolean);

/**
 * Carries highlight marks from an excerpt of the folded text (as an engine highlighted it,
 * MARK_START/MARK_END around matches) back to the original text. `whole`: the excerpt is the
 * entire text; otherwise it is found in the folded text, widened to the original's ends when only
 * punctuation lies beyond, and given '…' where words were cut. An excerpt that cannot be found
 * is returned as the engine gave it.
 */
export function unfoldMarks(original: string, folded: FoldedText, excerpt: string, whole: boolean): string {
  const plain = excerpt.replaceAll(MARK_START, '').replaceAll(MARK_END, '');
  const offset = whole ? 0 : folded.text.indexOf(plain);
  if (offset === -1 || (whole && plain !== folded.text)) return excerpt;
  const origin = (index: number) => folded.origins[index] ?? original.length;
  let start = origin(offset);
  let end = origin(offset + plain.length);
  let lead = '';
  let tail = '';
  if (!whole) {
    if (HAS_WORD_CHAR.test(original.slice(0, start))) lead = '…';
    else start = 0;
    if (HAS_WORD_CHAR.test(original.slice(end))) tail = '…';
    else end = original.length;
  }
  let out = lead;
  let from = start;
  let position = offset;
  for (const char of excerpt) {
    if (char !== MARK_START && char !== MARK_END) {
      position += char.length;
      continue;
    }
    const to = Math.max(from, origin(position));
    out += original.slice(from, to) + char;
    from = to;
  }
  return out + original.slice(from, end) + tail;
}
