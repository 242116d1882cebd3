import type { ConsistencyLevel } from '../config/schema';
import type { DuplicateKind } from '../contracts/duplicate-kinds';
import type { DuplicateDecision } from './duplicate-decision';
import { REVIEW_NEIGHBOURS } from './grouping';
import { neighbours } from './neighbours';
import type { ScoredFile } from './paging';
import type { VectorStore } from '../vector-store/types';

/**
 * Candidates verified per file, closest first. A check costs about 20 ms of CPU; a burst of shots of one scene gives
 * every file REVIEW_NEIGHBOURS candidates, and checking them all would make verification the worker's bottleneck.
 * A copy outside a file's closest few is still paired from the copy's own side when it has fewer. On the quality
 * benchmark 10 finds 2.4 points more true pairs than 6, for 31% more checks, but a standalone worker no longer got
 * through the fault tests' burst of 300 near-copies in 300 s (287 s at 6): not shipped while verification costs more
 * than the model.
 */
export const VERIFIED_CANDIDATES = 6;

/**
 * Finds the files of the library the duplicate decision calls copies of one of its files: the upload-time notice,
 * and the file's pairs in the duplicate graph (the worker for each file it indexes, the duplicate scan for all).
 * Candidates come from the vector index, then the closest are verified; `unverified` counts those that could not be.
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
    for (const candidate of candidates.slice(0, VERIFIED_CANDIDATES)) {
      const judgement = await decision.judge(fileId, candidate.fileId, candidate.similarity);
      if (judgement === null) unverified++;
      else if (judgement.duplicate) duplicates.push({ ...candidate, kind: judgement.kind });
    }
    return { duplicates, unverified };
  };
}
