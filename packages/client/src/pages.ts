/** One page of a list or search, and the way to the next one. */
export interface Page<T> {
  readonly items: readonly T[];
  readonly nextCursor: string | null;
  /** The following page, or null after the last one. */
  next(): Promise<Page<T> | null>;
}

/**
 * Pages of a list or search. `await` it for the first page (then `page.next()`), or iterate it
 * with `for await` to walk every page.
 */
export interface Pages<T> extends AsyncIterable<Page<T>>, PromiseLike<Page<T>> {
  first(): Promise<Page<T>>;
}

/** Pages over `fetchPage`, which answers the page at a cursor (undefined: the first). */
export function pages<T>(fetchPage: (cursor: string | undefined) => Promise<{ items: T[]; nextCursor: string | null }>): Pages<T> {
  const pageAt = async (cursor: string | undefined): Promise<Page<T>> => {
    const { items, nextCursor } = await fetchPage(cursor);
    return { items, nextCursor, next: async () => (nextCursor === null ? null : pageAt(nextCursor)) };
  };
  const first = () => pageAt(undefined);
  return {
    first,
    // biome-ignore lint/suspicious/noThenProperty: awaiting the pages answers the first page, by design.
    then: (onFulfilled, onRejected) => first().then(onFulfilled, onRejected),
    async *[Symbol.asyncIterator]() {
      for (let page: Page<T> | null = await first(); page; page = await page.next()) yield page;
    },
  };
}
