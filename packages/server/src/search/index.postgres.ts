import { sql } from 'kysely';
import type { Database } from '../db/database.js';
import type { PostgresDatabase } from '../db/postgres.js';
import { BoundedMap } from '../shared/bounded-map.js';
import { type DocumentRow, DocumentTable, documentRow, latestPerNote } from './documents.js';
import { type FoldedText, foldedWords, foldText, unfoldMarks } from './fold.js';
import {
  type IndexEntry,
  MARK_END,
  MARK_START,
  type SearchHit,
  type SearchIndex,
  type SearchPage,
  type SearchPosition,
  type SearchScope,
  type VersionGuard,
} from './index.js';
import { type SearchQuery, singleTerm } from './query.js';
import { scopeToken } from './scope-tokens.js';
import { scopeTsquery, tsqueryText } from './tsquery.postgres.js';

/** Entries per statement: each is one row of a few arrays, so this bounds a statement's size, not its parameter count. */
const CHUNK = 500;
/** Headline weight 1, text weight 0.1 (as FTS5's bm25(10, 1)); scope words (D) and C count nothing. */
const WEIGHTS = '{0, 0, 0.1, 1}';
/** Query words whose lexeme is kept. */
const LEXEME_CACHE_SIZE = 5_000;
const WHOLE = `StartSel=${MARK_START}, StopSel=${MARK_END}, HighlightAll=true`;
const SNIPPET = `StartSel=${MARK_START}, StopSel=${MARK_END}, MaxWords=24, MinWords=12, ShortWord=0, MaxFragments=1`;

/*
 * The statements every search runs are named, so each connection parses and plans them once
 * (pg prepares a named statement on its first use per connection): a one-word search is two
 * short statements whose planning would otherwise cost more than running them.
 */

/** The page of a one-word query: $1 lexeme, $2 scope word, $3 rows; then the cursor's score and doc id, then the owner. */
function oneWordStatement(scope: SearchScope['kind'], after: boolean): { name: string; text: string } {
  const owner = after ? '$6' : '$4';
  const past = after ? 'and p.score <= $4::float8 and (p.score < $4::float8 or p.doc_id > $5)' : '';
  return {
    name: `shoebox-search-word-${scope}${after ? '-after' : ''}`,
    text: `
      select d.doc_id, d.note_id, d.owner_id, d.version, d.headline, d.text, d.visibility, d.updated_at, r.score
      from (
        select p.doc_id, p.score::float8 as score from search_word_scores p
        where p.lexeme = $1 and p.scope = $2 ${past}
        order by p.score desc, p.doc_id
        limit $3
      ) r
      join search_documents d on d.doc_id = r.doc_id
      where ${scope === 'owner' ? `d.owner_id = ${owner}` : `d.visibility = 'public'`} and d.removed_at is null
      order by r.score desc, r.doc_id`,
  };
}

/** The four one-word statements, made once: by scope kind, first page or after a cursor. */
const ONE_WORD = {
  owner: { first: oneWordStatement('owner', false), after: oneWordStatement('owner', true) },
  public: { first: oneWordStatement('public', false), after: oneWordStatement('public', true) },
} as const;

/** Marks of a page: $1 folded headlines, $2 folded texts, $3 the tsquery text, $4 and $5 WHOLE and SNIPPET. */
const HIGHLIGHT = `
  select ts_headline('shoebox_english', f.headline, q.q, $4) as headline,
    ts_headline('shoebox_english', f.text, q.q, $5) as text
  from unnest($1::text[], $2::text[]) with ordinality as f(headline, text, i)
    cross join (select to_tsquery('shoebox_english', $3) as q) q
  order by f.i`;

/**
 * PostgreSQL full text search over search_documents.tsv (GIN index, migration 007): the folded
 * headline (weight A), the scope words (D) and the folded text (B), built with the
 * shoebox_english configuration (Snowball stemming, no stop words). Case and diacritics are
 * folded here (search/fold.ts), for documents and queries alike, so no extension is needed;
 * highlights are computed by ts_headline on the folded text and carried back to the original.
 * Ranking is ts_rank with headline matches weighing ten times text matches. Scope is enforced
 * twice, as in the SQLite index: the scope word inside the tsquery and the owner/visibility
 * condition on the row.
 */
export class PostgresSearchIndex extends DocumentTable implements SearchIndex {
  private readonly lexemes = new BoundedMap<string, string | undefined>(LEXEME_CACHE_SIZE);

  constructor(private readonly postgres: PostgresDatabase) {
    super(postgres);
  }

  async apply(entries: readonly IndexEntry[], guard: VersionGuard = 'newer'): Promise<void> {
    const rows = latestPerNote(entries);
    if (rows.length === 0) return;
    await this.database.db.transaction().execute(async (db) => {
      for (let i = 0; i < rows.length; i += CHUNK) await scoreWords(db, await upsert(db, rows.slice(i, i + CHUNK), guard));
    });
  }

  async search(query: SearchQuery, scope: SearchScope, page: { limit: number; after?: SearchPosition }): Promise<SearchPage> {
    const terms = tsqueryText(query);
    if (terms === null) return { hits: [], next: null };
    const rows = (await this.rankOneWord(query, scope, page)) ?? (await rankEveryMatch(this.database.db, terms, scope, page));
    const pageRows = rows.slice(0, page.limit);
    const hits = await this.highlight(pageRows, terms);
    const last = pageRows.at(-1);
    return { hits, next: rows.length > page.limit && last ? { score: last.score, docId: Number(last.doc_id) } : null };
  }

  /**
   * A one-word query read from search_word_scores (migration 013) in score order: an index range
   * scan of the page, however many documents hold the word. Undefined for any other query.
   */
  private async rankOneWord(query: SearchQuery, scope: SearchScope, page: { limit: number; after?: SearchPosition }) {
    const term = singleTerm(query);
    const words = term ? foldedWords(term.text) : [];
    if (words.length !== 1) return undefined;
    const lexeme = await this.lexemeOf(words[0] as string);
    if (lexeme === undefined) return undefined;
    const { after } = page;
    const owner = scope.kind === 'owner' ? [scope.ownerId] : [];
    const values = [lexeme, scopeToken(scope), page.limit + 1, ...(after ? [after.score, after.docId] : []), ...owner];
    const { rows } = await this.postgres.pool.query<Row>({ ...ONE_WORD[scope.kind][after ? 'after' : 'first'], values });
    return rows;
  }

  /** The lexeme PostgreSQL makes of a folded word, when it makes exactly one; kept for repeated queries. */
  private async lexemeOf(word: string): Promise<string | undefined> {
    if (this.lexemes.has(word)) return this.lexemes.get(word);
    const { rows } = await sql<{ lexemes: string[] }>`
      select tsvector_to_array(to_tsvector('shoebox_english', ${word})) as lexemes`.execute(this.database.db);
    const lexemes = rows[0]?.lexemes ?? [];
    const lexeme = lexemes.length === 1 ? lexemes[0] : undefined;
    this.lexemes.set(word, lexeme);
    return lexeme;
  }

  /** Marks matches: ts_headline over the folded headline and text of the page's hits, carried back to the originals. */
  private async highlight(rows: readonly Row[], terms: string): Promise<SearchHit[]> {
    if (rows.length === 0) return [];
    const folded = rows.map((row) => ({ headline: foldText(row.headline), text: foldText(row.text) }));
    const { rows: marked } = await this.postgres.pool.query<{ headline: string; text: string }>({
      name: 'shoebox-search-highlight',
      text: HIGHLIGHT,
      values: [folded.map((f) => f.headline.text), folded.map((f) => f.text.text), terms, WHOLE, SNIPPET],
    });
    return rows.map((row, i) => {
      const { headline, text } = folded[i] as { headline: FoldedText; text: FoldedText };
      const marks = marked[i] ?? { headline: headline.text, text: text.text };
      return {
        noteId: row.note_id,
        ownerId: row.owner_id,
        version: Number(row.version),
        headline: row.headline,
        text: row.text,
        visibility: row.visibility,
        marked: {
          headline: unfoldMarks(row.headline, headline, marks.headline, true),
          text: unfoldMarks(row.text, text, marks.text, false),
        },
        score: row.score,
        updatedAt: new Date(Number(row.updated_at)),
      };
    });
  }
}

/** tsquery text of one lexeme in the headline and text weights: quoted, its quotes and backslashes doubled. */
const lexemeQuery = sql.raw(`'''' || replace(replace(w.lexeme, '\\', '\\\\'), '''', '''''') || ''':AB'`);

/** Every match ranked by ts_rank: any query; the page and one more. */
async function rankEveryMatch(db: Database['db'], terms: string, scope: SearchScope, page: { limit: number; after?: SearchPosition }) {
  const after = page.after
    ? sql`where h.score < ${page.after.score}::float8 or (h.score = ${page.after.score}::float8 and h.doc_id > ${page.after.docId})`
    : sql``;
  const { rows } = await sql<Row>`
    select h.* from (
      select d.doc_id, d.note_id, d.owner_id, d.version, d.headline, d.text, d.visibility, d.updated_at,
        ts_rank(${WEIGHTS}, d.tsv, to_tsquery('shoebox_english', ${terms}))::float8 as score
      from search_documents d
      where d.tsv @@ (to_tsquery('shoebox_english', ${terms}) && to_tsquery('simple', ${scopeTsquery(scopeToken(scope))}))
        and ${inScope(scope)}
        and d.removed_at is null
    ) h
    ${after}
    order by h.score desc, h.doc_id
    limit ${page.limit + 1}`.execute(db);
  return rows;
}

const inScope = (scope: SearchScope) => (scope.kind === 'owner' ? sql`d.owner_id = ${scope.ownerId}` : sql`d.visibility = 'public'`);

/**
 * Each headline and text word of the written documents with its ts_rank for a one-word query,
 * per scope word: the rows a one-word search reads (search_word_scores). A word's score for one
 * document depends on that document alone (ts_rank without length normalization), so a stored
 * score stays exact. Computed by ts_rank itself, with the very query a search builds: 'lexeme':AB.
 */
export async function scoreWords(db: Database['db'], docIds: readonly number[]): Promise<void> {
  if (docIds.length === 0) return;
  await sql`delete from search_word_scores where doc_id = any(${docIds}::bigint[])`.execute(db);
  await sql`
    insert into search_word_scores (lexeme, scope, score, doc_id)
    select w.lexeme, s.scope, ts_rank(${WEIGHTS}, d.tsv, (${lexemeQuery})::tsquery), d.doc_id
    from search_documents d
    cross join lateral unnest(d.tsv) w
    cross join lateral unnest(string_to_array(d.scope, ' ')) s(scope)
    where d.doc_id = any(${docIds}::bigint[]) and d.removed_at is null
      and w.weights && array['A', 'B']`.execute(db);
}

interface Row {
  doc_id: number;
  note_id: string;
  owner_id: string;
  version: number;
  headline: string;
  text: string;
  visibility: 'private' | 'public';
  updated_at: number;
  score: number;
}

/**
 * Writes entries in one statement, each only over an older version (or the same, `not-older`). A
 * removal leaves a tombstone: no text, no words, the version it was removed at. Returns the doc
 * ids it wrote.
 */
async function upsert(db: Database['db'], entries: readonly IndexEntry[], guard: VersionGuard): Promise<number[]> {
  const now = Date.now();
  const rows = entries.map((entry) => documentRow(entry, now));
  const column = <T>(pick: (row: DocumentRow) => T) => rows.map(pick);
  const operator = guard === 'newer' ? sql`<` : sql`<=`;
  const { rows: written } = await sql<{ doc_id: string }>`
    insert into search_documents (note_id, owner_id, visibility, version, headline, text, scope, updated_at, removed_at, tsv)
    select e.note_id, e.owner_id, e.visibility, e.version, e.headline, e.text, e.scope, e.updated_at, e.removed_at,
      case when e.removed_at is null
        then setweight(to_tsvector('shoebox_english', e.folded_headline), 'A')
          || setweight(to_tsvector('simple', e.scope), 'D')
          || setweight(to_tsvector('shoebox_english', e.folded_text), 'B')
        else ''::tsvector end
    from unnest(
      ${column((r) => r.note_id)}::text[], ${column((r) => r.owner_id)}::text[], ${column((r) => r.visibility)}::text[],
      ${column((r) => r.version)}::bigint[], ${column((r) => r.headline)}::text[], ${column((r) => r.text)}::text[],
      ${column((r) => r.scope)}::text[], ${column((r) => r.updated_at)}::bigint[], ${column((r) => r.removed_at)}::bigint[],
      ${column((r) => foldText(r.headline).text)}::text[], ${column((r) => foldText(r.text).text)}::text[]
    ) as e(note_id, owner_id, visibility, version, headline, text, scope, updated_at, removed_at, folded_headline, folded_text)
    on conflict (owner_id, note_id) do update set
      owner_id = excluded.owner_id, visibility = excluded.visibility, version = excluded.version,
      headline = excluded.headline, text = excluded.text, scope = excluded.scope,
      updated_at = excluded.updated_at, removed_at = excluded.removed_at, tsv = excluded.tsv
    where search_documents.version ${operator} excluded.version
    returning doc_id`.execute(db);
  return written.map((row) => Number(row.doc_id));
}
