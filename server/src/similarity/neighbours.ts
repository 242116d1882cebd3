import type { ConsistencyLevel } from '../config/schema';
import { SEARCH_LIMITS } from '../contracts/http';
import type { IndexCollection } from '../vector-store/types';
import { aboveThreshold, dedupeByFile, toSimilarity, type ScoredFile } from './paging';

/** A nearest-neighbour query: the files most similar to `vector` (of the collection's space), at or above `threshold`. */
export interface NeighboursQuery {
  vector: number[];
  /** Distinct files wanted. */
  needed: number;
  threshold: number;
  /** Restrict to these partitions (content types); all when absent. */
  partitions?: string[];
  excludeFileId?: number;
  consistency?: ConsistencyLevel;
  /** Keeps the hits the caller may use (live files, allowed types, visible to the caller), in order. */
  accept?: (hits: ScoredFile[]) => Promise<ScoredFile[]>;
}

/**
 * The one neighbours search, used by "find similar", the duplicates review and the upload-time check: distinct
 * files, best first, at or above the threshold, and accepted by the caller. A file has one row per partition, and
 * some hits are not accepted, so the top-k window widens until it yields `needed` files, runs out of rows, or
 * falls below the threshold.
 */
export async function neighbours(store: Pick<IndexCollection, 'search'>, query: NeighboursQuery): Promise<ScoredFile[]> {
  const { vector, partitions, excludeFileId, consistency, threshold, accept } = query;
  for (let limit = Math.min(SEARCH_LIMITS.maxResultWindow, query.needed); ; limit = Math.min(SEARCH_LIMITS.maxResultWindow, limit * 2)) {
    const rows = await store.search({ vector, limit, partitions, excludeFileId, consistency });
    const hits = rows.map((row) => ({ fileId: row.fileId, similarity: toSimilarity(row.score) }));
    const ranked = aboveThreshold(dedupeByFile(hits), threshold);
    const kept = accept ? await accept(ranked) : ranked;
    const exhausted = rows.length < limit || limit === SEARCH_LIMITS.maxResultWindow;
    const belowThreshold = hits.length > 0 && hits[hits.length - 1].similarity < threshold;
    if (kept.length >= query.needed || exhausted || belowThreshold) return kept.slice(0, query.needed);
  }
}
