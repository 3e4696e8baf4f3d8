import type { Page, SearchHit } from '@shoebox/client';
import { useState } from 'preact/hooks';
import type { ScreenProps } from '../app.js';

/** Full-text search of my notes, with highlighted snippets and a page at a time. */
export function Search({ sb, fail }: ScreenProps) {
  const [hits, setHits] = useState<readonly SearchHit[] | null>(null);
  const [page, setPage] = useState<Page<SearchHit> | null>(null);

  const search = async (event: Event) => {
    event.preventDefault();
    const q = String(new FormData(event.currentTarget as HTMLFormElement).get('q') ?? '').trim();
    if (!q) return;
    fail(undefined);
    try {
      const first = await sb.search(q, { limit: 10 });
      setPage(first);
      setHits(first.items);
    } catch (error) {
      fail(error);
    }
  };

  const more = async () => {
    try {
      const next = await page?.next();
      if (next) {
        setPage(next);
        setHits([...(hits ?? []), ...next.items]);
      }
    } catch (error) {
      fail(error);
    }
  };

  return (
    <>
      <form onSubmit={search}>
        <label for="search-q">Search your notes</label>
        <input id="search-q" name="q" type="search" required maxLength={256} />
        <button type="submit">Search</button>
      </form>
      {hits && (
        <p role="status">
          {hits.length === 0 ? 'No notes match.' : `${hits.length} note${hits.length === 1 ? '' : 's'}${page?.nextCursor ? ' so far' : ''}`}
        </p>
      )}
      <ul class="hits">
        {hits?.map((hit) => (
          <li key={hit.noteId}>
            {/* The server escapes the notes' text and adds only <mark> around matches. */}
            <h3 dangerouslySetInnerHTML={{ __html: hit.highlights.headline }} />
            <p dangerouslySetInnerHTML={{ __html: hit.highlights.text }} />
          </li>
        ))}
      </ul>
      {page?.nextCursor && (
        <button type="button" onClick={more}>
          More results
        </button>
      )}
    </>
  );
}
