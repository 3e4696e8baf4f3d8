import { sql } from 'kysely';

/**
 * FTS5's bm25 (fts5_aux.c), reproduced so that the impact postings (postings.sqlite.ts) rank a
 * one-word query exactly as FTS5 ranks it, to the same doubles: headline matches weigh ten
 * times text matches (migration 005 sets FTS5's rank to bm25(10.0, 1.0, 0.0)); a document's length
 * counts every token of every column, scope words included; the average is over every row.
 */
export const HEADLINE_WEIGHT = 10;
export const TEXT_WEIGHT = 1;

const K1 = 1.2;
const B = 0.75;

/** What a score needs besides the document: the index's average length and the term's idf. */
export interface TermStatistics {
  readonly averageLength: number;
  readonly idf: number;
}

/**
 * bm25's inverse document frequency, as SQL to run in SQLite: its ln() is the C library's log(),
 * as FTS5's, where Math.log may differ in the last bit. FTS5 floors the idf of a word in most
 * documents at a tiny positive value.
 */
export const idfSql = (rows: number, documents: string) =>
  sql<number>`max(ln((${rows} - ${sql.ref(documents)} + 0.5) / (${sql.ref(documents)} + 0.5)), 0) `;

export function termStatistics(rows: number, tokens: number, idf: number): TermStatistics {
  return { averageLength: tokens / rows, idf: idf <= 0 ? 1e-6 : idf };
}

/** A document's score for one term: `frequency` is its weighted count (headline × 10 + text), `length` its tokens. */
export function bm25(stats: TermStatistics, frequency: number, length: number): number {
  return stats.idf * ((frequency * (K1 + 1.0)) / (frequency + K1 * (1 - B + (B * length) / stats.averageLength)));
}

/**
 * The smallest length at which a document of this frequency scores `score` or less (bm25
 * decreases as length grows), or `limit` when none below it does.
 */
export function lengthScoringAtMost(stats: TermStatistics, frequency: number, score: number, limit: number): number {
  let low = 0;
  let high = limit;
  while (low < high) {
    const middle = Math.floor((low + high) / 2);
    if (bm25(stats, frequency, middle) <= score) high = middle;
    else low = middle + 1;
  }
  return low;
}

/**
 * Decodes FTS5's averages record (the row with id 1 in its %_data table): SQLite varints, the row
 * count then each column's token total. Returns the rows and the tokens of every column together.
 */
export function decodeAverages(record: Uint8Array): { rows: number; tokens: number } {
  const values: number[] = [];
  let i = 0;
  while (i < record.length) {
    let value = 0;
    let byte: number;
    let read = 0;
    do {
      byte = record[i++] ?? 0;
      // The ninth byte of a SQLite varint holds eight bits, not seven.
      value = read === 8 ? value * 256 + byte : value * 128 + (byte & 0x7f);
      read++;
    } while (byte & 0x80 && read < 9);
    values.push(value);
  }
  const [rows = 0, ...columns] = values;
  return { rows, tokens: columns.reduce((sum, n) => sum + n, 0) };
}
