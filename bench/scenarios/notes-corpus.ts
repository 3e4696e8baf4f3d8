import { parseConfig } from '../../packages/server/src/config/config.js';
import type { NewNote } from '../../packages/server/src/notes/batch.js';
import { openShoebox } from '../../packages/server/src/runtime/shoebox.js';
import { createLogger } from '../../packages/server/src/shared/observability.js';

/**
 * A deterministic pseudo-English corpus: a vocabulary whose word frequencies follow Zipf's law
 * (a few words in most notes, most words rare), headlines of 3–8 words and texts of 20–120.
 */
export class Corpus {
  readonly vocabulary: string[];
  private seed: number;

  /**
   * `shape` gives the words of a note's headline and text, each as [min, max]: by default a long
   * note; the search scenario uses short ones (8–40 words in all), as mobile notes are.
   */
  constructor(
    size = 20_000,
    seed = 42,
    private readonly shape: { readonly headline: readonly [number, number]; readonly text: readonly [number, number] } = {
      headline: [3, 8],
      text: [20, 120],
    },
  ) {
    this.seed = seed;
    const syllables = ['ka', 'lo', 'mi', 'ne', 'ru', 'sa', 'ti', 'vo', 'pe', 'da', 'gri', 'shu', 'an', 'or', 'el', 'tam', 'bir', 'fen'];
    const words = new Set<string>();
    while (words.size < size) {
      const n = 2 + Math.floor(this.random() * 3);
      words.add(Array.from({ length: n }, () => syllables[Math.floor(this.random() * syllables.length)]).join(''));
    }
    this.vocabulary = [...words];
  }

  /** Deterministic (mulberry32), so every run measures the same corpus and queries. */
  random(): number {
    this.seed = (this.seed + 0x6d2b79f5) | 0;
    let t = this.seed;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** A word by Zipf rank: rank r has probability ∝ 1/r. */
  word(): string {
    const r = Math.floor(Math.exp(this.random() * Math.log(this.vocabulary.length)));
    return this.vocabulary[Math.min(r, this.vocabulary.length - 1)]!;
  }

  words(min: number, max: number): string {
    return Array.from({ length: min + Math.floor(this.random() * (max - min + 1)) }, () => this.word()).join(' ');
  }

  note() {
    return { headline: this.words(...this.shape.headline), text: this.words(...this.shape.text) };
  }

  /** A mix of what people type: a very common word, a rarer word, two words, a phrase, a prefix, an exclusion, an OR. */
  query(): { kind: QueryKind; q: string } {
    const pick = this.random();
    const rare = () => this.vocabulary[100 + Math.floor(this.random() * 5_000)]!;
    if (pick < 0.25) return { kind: 'top-50 word', q: this.vocabulary[Math.floor(this.random() * 50)]! };
    if (pick < 0.45) return { kind: 'rarer word', q: rare() };
    if (pick < 0.65) return { kind: 'two words', q: `${this.word()} ${rare()}` };
    if (pick < 0.75) return { kind: 'phrase', q: `"${this.word()} ${this.word()}"` };
    if (pick < 0.85) return { kind: 'prefix', q: `${rare().slice(0, 4)}*` };
    if (pick < 0.95) return { kind: 'exclusion', q: `${rare()} -${this.word()}` };
    return { kind: 'OR', q: `${rare()} OR ${rare()}` };
  }
}

export type QueryKind = 'top-50 word' | 'rarer word' | 'two words' | 'phrase' | 'prefix' | 'exclusion' | 'OR';

/**
 * Writes `count` notes spread over `owners` straight through the notes service, in batches (the
 * HTTP path is not what the corpus measures) and indexes them, with the servers' environment `env` (for the
 * embedded engine, while the server is stopped). `concurrency` batches are written at once: an
 * engine with a connection pool takes them side by side, SQLite one after the other.
 */
/** Notes per batch the corpus writes: one transaction each. */
const BATCH = 500;

export async function writeCorpus(
  env: Record<string, string>,
  owners: readonly string[],
  count: number,
  corpus: Corpus,
  concurrency = 1,
): Promise<void> {
  const shoebox = await openShoebox(parseConfig(env), createLogger('warn', process.stderr));
  try {
    let next = 0;
    let written = 0;
    const writer = async () => {
      for (let from = next; from < count; from = next) {
        const to = Math.min(count, from + BATCH);
        next = to;
        const byOwner = new Map<string, NewNote[]>();
        for (let i = from; i < to; i++) {
          const owner = owners[i % owners.length]!;
          byOwner.set(owner, [...(byOwner.get(owner) ?? []), { ...corpus.note(), visibility: i % 10 === 0 ? 'public' : 'private' }]);
        }
        for (const [owner, notes] of byOwner) await shoebox.notes.createMany(owner, notes);
        const before = written;
        written += to - from;
        if (Math.floor(written / 10_000) > Math.floor(before / 10_000)) process.stdout.write(`  corpus: ${written} notes written\n`);
      }
    };
    await Promise.all(Array.from({ length: concurrency }, writer));
    await shoebox.processor.drain();
  } finally {
    await shoebox.close();
  }
}
