import type { ConsistencyLevel } from '../config/schema';
import { SEARCH_LIMITS } from '../contracts/http';
import type { VectorStore } from '../vector-store/milvus-store';
import { aboveThreshold, dedupeByFile, toSimilarity, type ScoredFile } from './paging';

/**
 * Ranks the files most similar to a vector: distinct files, best first, at or above the threshold.
 * A file has one row per partition, so the top-k window widens until it yields `needed` distinct files,
 * runs out of rows, or falls below the threshold.
 */
export async function findSimilar(
  store: VectorStore,
  query: { vector: number[]; needed: number; threshold: number; partitions?: string[]; excludeFileId?: number; consistency?: ConsistencyLevel }
): Promise<ScoredFile[]> {
  let limit = Math.min(SEARCH_LIMITS.maxResultWindow, query.needed);
  for (;;) {
    const { vector, partitions, excludeFileId, consistency } = query;
    const rows = await store.search({ vector, limit, partitions, excludeFileId, consistency });
    const hits = rows.map((row) => ({ fileId: row.fileId, similarity: toSimilarity(row.score) }));
    const ranked = aboveThreshold(dedupeByFile(hits), query.threshold);
    const exhausted = rows.length < limit || limit === SEARCH_LIMITS.maxResultWindow;
    const belowThreshold = hits.length > 0 && hits[hits.length - 1].similarity < query.threshold;
    if (ranked.length >= query.needed || exhausted || belowThreshold) return ranked.slice(0, query.needed);
    limit = Math.min(SEARCH_LIMITS.maxResultWindow, limit * 2);
  }
}
