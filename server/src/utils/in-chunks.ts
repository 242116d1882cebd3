/** Keys per query: well under SQLite's variable limit, and a modest IN list for PostgreSQL and MySQL. */
export const ID_CHUNK = 500;

/** Runs `query` over `keys` a chunk at a time, one after another, and joins the results. */
export async function inChunks<K, T>(keys: readonly K[], query: (chunk: K[]) => Promise<T[]>, size = ID_CHUNK): Promise<T[]> {
  const results: T[] = [];
  for (let i = 0; i < keys.length; i += size) results.push(...(await query(keys.slice(i, i + size))));
  return results;
}
