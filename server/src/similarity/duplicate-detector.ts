import type { ConsistencyLevel } from '../config/schema';
import { isDuplicate } from './duplicate-decision';
import { REVIEW_NEIGHBOURS } from './grouping';
import { neighbours } from './neighbours';
import type { ScoredFile } from './paging';
import type { VectorStore } from '../vector-store/types';

/**
 * Finds the files of the library at least `threshold` similar to one of its files: the upload-time notice, and
 * the file's pairs in the duplicate graph (the worker for each file it indexes, the duplicate scan for all).
 */
export type DuplicateDetector = (fileId: number, vector: number[]) => Promise<ScoredFile[]>;

export function createDuplicateDetector({ store, threshold, consistency }: { store: VectorStore; threshold: number; consistency?: ConsistencyLevel }): DuplicateDetector {
  // The store's consistency (Strong by default) sees files upserted a moment ago, such as copies in the same batch.
  return async (fileId, vector) =>
    (await neighbours(store, { vector, needed: REVIEW_NEIGHBOURS, threshold, excludeFileId: fileId, consistency })).filter((hit) => isDuplicate(hit.similarity, threshold));
}
