/** Ids per query: well under SQLite's variable limit, and a modest IN list for PostgreSQL and MySQL. */
export const ID_CHUNK = 500;

/** Runs `query` over `ids` a chunk at a time, one after another, and joins the results. */
export async function inChunks<T>(ids: readonly number[], query: (chunk: number[]) => Promise<T[]>, size = ID_CHUNK): Promise<T[]> {
  const results: T[] = [];
  for (let i = 0; i < ids.length; i += size) results.push(...(await query(ids.slice(i, i + size))));
  return results;
}
