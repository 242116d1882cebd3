import type { ConsistencyLevel } from '../config/schema';
import type { DuplicateKind } from '../contracts/duplicate-kinds';
import type { DecisionIn } from './duplicate-decision';
import { verifyClosest } from './verify-closest';
import { REVIEW_NEIGHBOURS } from './grouping';
import { neighbours } from './neighbours';
import type { ScoredFile } from './paging';
import type { ServedCollection } from '../vector-store/types';

/**
 * Finds the files of the library the duplicate decision calls copies of one of its files: the upload-time notice,
 * and the file's pairs in the duplicate graph (the worker for each file it indexes, the duplicate scan for all).
 * Candidates come from the vector index, then the closest are verified (verify-closest.ts); `unverified` counts
 * those that could not be.
 */
export type DuplicateDetector = (
  served: ServedCollection,
  fileId: number,
  vector: number[]
) => Promise<{ duplicates: Array<ScoredFile & { kind: DuplicateKind }>; unverified: number; threshold: number }>;

/** `vector` is the file's, in the served collection's space; the decision is the site's in that space. */
export function createDuplicateDetector({ decisionIn, consistency }: { decisionIn: DecisionIn; consistency?: ConsistencyLevel }): DuplicateDetector {
  return async (served, fileId, vector) => {
    const decision = decisionIn(served.space);
    // The store's consistency (Strong by default) sees files upserted a moment ago, such as copies in the same batch.
    const candidates = await neighbours(served, { vector, needed: REVIEW_NEIGHBOURS, threshold: decision.threshold, excludeFileId: fileId, consistency });
    const found = await verifyClosest(candidates, (candidate) => decision.judge(fileId, candidate.fileId, candidate.similarity));
    return { ...found, threshold: decision.threshold };
  };
}
