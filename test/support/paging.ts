/**
 * Reading a paged list of the API to its end: each page's `page.nextCursor` asks for the next one,
 * null (or absent) on the last. One loop for every test that follows it.
 */

/** What a page must say for the next one to be asked for. */
export interface CursorPage {
  page?: { nextCursor?: string | null } | null;
}

/** `path` asking for the page after `cursor` (the first page when null). */
export const withCursor = (path: string, cursor: string | null): string =>
  cursor ? `${path}${path.includes('?') ? '&' : '?'}cursor=${encodeURIComponent(cursor)}` : path;

/**
 * The pages `fetchPage` answers, the first with cursor null, each next with the cursor the last
 * gave. A list still going after `maxPages` pages fails the test rather than looping on.
 */
export async function* eachPage<P extends CursorPage>(
  fetchPage: (cursor: string | null) => Promise<P>,
  maxPages = 100,
): AsyncGenerator<P> {
  let cursor: string | null = null;
  for (let n = 0; n < maxPages; n++) {
    const page: P = await fetchPage(cursor);
    yield page;
    cursor = page.page?.nextCursor ?? null;
    if (!cursor) return;
  }
  throw new Error(`The list did not end within ${maxPages} pages.`);
}

/** Every page of the list, in order. */
export async function allPages<P extends CursorPage>(
  fetchPage: (cursor: string | null) => Promise<P>,
  maxPages = 100,
): Promise<P[]> {
  const pages: P[] = [];
  for await (const page of eachPage(fetchPage, maxPages)) pages.push(page);
  return pages;
}
