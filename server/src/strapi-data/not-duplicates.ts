import type { Core } from '@strapi/strapi';
import { NOT_DUPLICATE_UID } from '../content-types';
import type { DISMISS_DECISIONS } from '../contracts/duplicate-kinds';
import { inChunks } from '../utils/in-chunks';

/**
 * Pairs of files an editor said are not duplicates, or copies to keep both of. A pair is stored once, smaller file
 * id first, with the sha256 of both files' bytes when the workers reported them: the mark then also holds for any
 * two files with those bytes, so it survives a reindex, a rebuild, a model change and a re-upload.
 */

export const pairKey = (a: number, b: number) => (a < b ? `${a}:${b}` : `${b}:${a}`);
const hashPairKey = (x: string, y: string) => (x < y ? `${x}:${y}` : `${y}:${x}`);

export type MarkDecision = (typeof DISMISS_DECISIONS)[number];
/** Marks made before there were decisions say "not duplicates". */
const decisionOf = (row: Record<string, unknown>) => (row.decision as MarkDecision | null) ?? 'not-duplicates';

export interface NotDuplicatesRepository {
  /** Marks every pair among the files; pairs already marked keep their mark (and gain the contents). Returns how many were new. */
  mark(fileIds: readonly number[], hashes: ReadonlyMap<number, string>, decision: MarkDecision): Promise<number>;
  /** The pairs among `pairs` that are marked, by file ids or by contents, keyed by pairKey: a keyed lookup, never a read of every mark. */
  markedAmong(pairs: ReadonlyArray<{ a: number; b: number }>, hashes: ReadonlyMap<number, string>): Promise<Map<string, MarkDecision>>;
}

export function createNotDuplicatesRepository(strapi: Core.Strapi): NotDuplicatesRepository {
  const query = () => strapi.db.query(NOT_DUPLICATE_UID);
  const hashPairOf = (a: number, b: number, hashes: ReadonlyMap<number, string>) =>
    hashes.has(a) && hashes.has(b) ? hashPairKey(hashes.get(a)!, hashes.get(b)!) : null;
  /** Rows whose `column` is one of `keys`, a chunk at a time. */
  const rowsWhere = (column: 'pair' | 'hashPair', keys: string[]) =>
    inChunks(keys, (chunk) => query().findMany({ where: { [column]: { $in: chunk } }, select: ['id', 'pair', 'hashPair', 'decision'] }));

  return {
    async mark(fileIds, hashes, decision) {
      const wanted = new Map<string, { pair: string; fileA: number; fileB: number; hashPair: string | null; decision: MarkDecision }>();
      fileIds.forEach((a, i) =>
        fileIds
          .slice(i + 1)
          .forEach((b) =>
            wanted.set(pairKey(a, b), { pair: pairKey(a, b), fileA: Math.min(a, b), fileB: Math.max(a, b), hashPair: hashPairOf(a, b, hashes), decision })
          )
      );
      for (const row of await rowsWhere('pair', [...wanted.keys()])) {
        const hashPair = wanted.get(row.pair as string)!.hashPair;
        // Marked before the workers reported contents: the mark now follows them too.
        if (!row.hashPair && hashPair) await query().update({ where: { id: row.id }, data: { hashPair } });
        wanted.delete(row.pair as string);
      }
      if (wanted.size > 0) await query().createMany({ data: [...wanted.values()] });
      return wanted.size;
    },

    async markedAmong(pairs, hashes) {
      const byHash = new Map<string, string[]>();
      for (const { a, b } of pairs) {
        const hashPair = hashPairOf(a, b, hashes);
        if (hashPair) byHash.set(hashPair, [...(byHash.get(hashPair) ?? []), pairKey(a, b)]);
      }
      const marked = new Map<string, MarkDecision>();
      const byPair = await rowsWhere(
        'pair',
        pairs.map(({ a, b }) => pairKey(a, b))
      );
      for (const row of byPair) marked.set(row.pair as string, decisionOf(row));
      for (const row of await rowsWhere('hashPair', [...byHash.keys()])) {
        for (const key of byHash.get(row.hashPair as string) ?? []) if (!marked.has(key)) marked.set(key, decisionOf(row));
      }
      return marked;
    },
  };
}
