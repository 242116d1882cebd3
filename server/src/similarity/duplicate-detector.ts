import { isDuplicate } from './duplicate-decision';
import { dedupeByFile, toSimilarity, type ScoredFile } from './paging';
import type { VectorStore } from '../vector-store/milvus-store';

/** Near-duplicates reported per newly indexed file. */
const MAX_DUPLICATES = 5;

/** Finds the files of the library at least `threshold` similar to a newly indexed one: the upload-time notice. */
export type DuplicateDetector = (fileId: number, vector: number[]) => Promise<ScoredFile[]>;

export function createDuplicateDetector({ store, threshold }: { store: VectorStore; threshold: number }): DuplicateDetector {
  return async (fileId, vector) => {
    // The store's consistency (Strong by default) sees files upserted a moment ago, such as copies in the same batch.
    const rows = await store.search({ vector, limit: MAX_DUPLICATES * 2, excludeFileId: fileId });
    return dedupeByFile(rows.map((row) => ({ fileId: row.fileId, similarity: toSimilarity(row.score) })))
      .filter((hit) => isDuplicate(hit.similarity, threshold))
      .slice(0, MAX_DUPLICATES);
  };
}
