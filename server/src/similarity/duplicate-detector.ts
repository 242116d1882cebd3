import { isDuplicate } from './duplicate-decision';
import { neighbours } from './neighbours';
import type { ScoredFile } from './paging';
import type { VectorStore } from '../vector-store/types';

/** Near-duplicates reported per newly indexed file. */
const MAX_DUPLICATES = 5;

/** Finds the files of the library at least `threshold` similar to a newly indexed one: the upload-time notice. */
export type DuplicateDetector = (fileId: number, vector: number[]) => Promise<ScoredFile[]>;

export function createDuplicateDetector({ store, threshold }: { store: VectorStore; threshold: number }): DuplicateDetector {
  // The store's consistency (Strong by default) sees files upserted a moment ago, such as copies in the same batch.
  return async (fileId, vector) =>
    (await neighbours(store, { vector, needed: MAX_DUPLICATES, threshold, excludeFileId: fileId })).filter((hit) => isDuplicate(hit.similarity, threshold));
}
