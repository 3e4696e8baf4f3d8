import { Problem } from '../errors.js';
import type { SearchIndex, SearchPage } from './index.js';

/**
 * Full-text search on PostgreSQL (tsvector with a GIN index) is not built yet (issue 6). Every
 * call answers 503 with a clear reason instead of reaching SQL written for another engine.
 */
export class PostgresSearchIndex implements SearchIndex {
  async apply(): Promise<void> {
    throw notYet();
  }

  async noteIds(): Promise<string[]> {
    throw notYet();
  }

  async purge(): Promise<void> {
    throw notYet();
  }

  async search(): Promise<SearchPage> {
    throw notYet();
  }
}

const notYet = () =>
  new Problem(
    'unavailable',
    'Full-text search is not available on PostgreSQL in this version. Run Shoebox on the embedded engine to search notes.',
  );
