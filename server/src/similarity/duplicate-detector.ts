import type { ConsistencyLevel } from '../config/schema';
import type { DuplicateKind } from '../contracts/duplicate-kinds';
import type { DuplicateDecision } from './duplicate-decision';
import { REVIEW_NEIGHBOURS } from './grouping';
import { neighbours } from './neighbours';
import type { ScoredFile } from './paging';
import type { VectorStore } from '../vector-store/types';

/**
 * Finds the files of the library the duplicate decision calls copies of one of its files: the upload-time notice,
 * and the file's pairs in the duplicate graph (the worker for each file it indexes, the duplicate scan for all).
 * Candidates come from the vector index, then each is verified; `unverified` counts those that could not be.
 */
export type DuplicateDetector = (fileId: number, vector: number[]) => Promise<{ duplicates: Array<ScoredFile & { kind: DuplicateKind }>; unverified: number }>;

export function createDuplicateDetector({
  store,
  decision,
  consistency,
}: {
  store: VectorStore;
  decision: DuplicateDecision;
  consistency?: ConsistencyLevel;
}): DuplicateDetector {
  return async (fileId, vector) => {
    // The store's consistency (Strong by default) sees files upserted a moment ago, such as copies in the same batch.
    const candidates = await neighbours(store, { vector, needed: REVIEW_NEIGHBOURS, threshold: decision.threshold, excludeFileId: fileId, consistency });
    const duplicates: Array<ScoredFile & { kind: DuplicateKind }> = [];
    let unverified = 0;
    // One after another: each check is CPU work on this thread, and the file's own features are reused.
    for (const candidate of candidates) {
      const judgement = await decision.judge(fileId, candidate.fileId, candidate.similarity);
      if (judgement === null) unverified++;
      else if (judgement.duplicate) duplicates.push({ ...candidate, kind: judgement.kind });
    }
    return { duplicates, unverified };
  };
}
