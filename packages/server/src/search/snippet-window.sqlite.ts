/**
 * Where FTS5's snippet() starts its window (fts5SnippetFunction, fts5SnippetScore and
 * fts5SentenceFinderCb in fts5_aux.c), replayed for marks.sqlite.ts: the window of the most
 * distinct matches, centred on them, or one starting at a sentence when that scores better.
 */

/** A place a query phrase matches: column 0 is the headline, 1 the text; offset in tokens. */
export interface Instance {
  readonly phrase: number;
  readonly column: 0 | 1;
  readonly offset: number;
}

/** The text column: its text and where each of its tokens starts in it. */
interface TextColumn {
  readonly text: string;
  readonly starts: readonly number[];
}

/** Where snippet() starts its window in the text column: the best-scoring window of any instance or sentence (fts5SnippetFunction). */
export function snippetStart(text: TextColumn, instances: readonly Instance[], sizes: readonly number[], tokens: number): number {
  const size = text.starts.length;
  // Sentences only count when the window cannot hold the whole text.
  const sentences = size > tokens ? sentenceStarts(text) : [];
  let bestScore = 0;
  let bestStart = 0;
  for (const { column, offset } of instances) {
    if (column !== 1) continue;
    const around = windowScore(instances, sizes, offset, tokens, size);
    if (around.score > bestScore) {
      bestScore = around.score;
      bestStart = around.adjusted;
    }
    if (sentences.length > 0) {
      let jj = 0;
      while (jj < sentences.length - 1 && (sentences[jj + 1] ?? 0) <= offset) jj++;
      const sentence = sentences[jj] ?? 0;
      if (sentence < offset) {
        const score = windowScore(instances, sizes, sentence, tokens, size).score + (sentence === 0 ? 120 : 100);
        if (score > bestScore) {
          bestScore = score;
          bestStart = sentence;
        }
      }
    }
  }
  return bestStart;
}

/** The score of the text window of `tokens` tokens from `from`, and where a window centred on its matches starts (fts5SnippetScore). */
function windowScore(
  instances: readonly Instance[],
  sizes: readonly number[],
  from: number,
  tokens: number,
  size: number,
): { score: number; adjusted: number } {
  const seen: boolean[] = [];
  let score = 0;
  let first = -1;
  let last = 0;
  for (const { phrase, column, offset } of instances) {
    if (column !== 1 || offset < from || offset >= from + tokens) continue;
    score += seen[phrase] ? 1 : 1000;
    seen[phrase] = true;
    if (first < 0) first = offset;
    last = offset + (sizes[phrase] ?? 0);
  }
  let adjusted = first - Math.trunc((tokens - (last - first)) / 2);
  if (adjusted + tokens > size) adjusted = size - tokens;
  return { score, adjusted: Math.max(adjusted, 0) };
}

const SPACE = 0x20;
const TAB = 0x09;
const NEWLINE = 0x0a;
const RETURN = 0x0d;
const PERIOD = 0x2e;
const COLON = 0x3a;

/** Tokens that begin a sentence: the first, and any after a '.' or ':' and then whitespace (fts5SentenceFinderCb). */
function sentenceStarts({ text, starts }: TextColumn): number[] {
  const found = starts.length > 0 ? [0] : [];
  for (let position = 1; position < starts.length; position++) {
    const start = starts[position] as number;
    let i = start - 1;
    let c = text.charCodeAt(i);
    while (i >= 0 && (c === SPACE || c === TAB || c === NEWLINE || c === RETURN)) c = text.charCodeAt(--i);
    if (i !== start - 1 && (c === PERIOD || c === COLON)) found.push(position);
  }
  return found;
}
