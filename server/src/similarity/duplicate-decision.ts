import type { DuplicateKind } from '../contracts/duplicate-kinds';
import type { PairVerifier } from '../verification/pair-verifier';
import { VERIFICATION_VERSION } from '../verification/verify-pair';
import { keptPromises } from '../utils/kept-promises';
import { toSimilarity } from './paging';
import { VERIFICATION_BUDGET } from './verify-closest';
import type { Space } from '../whitening/projection';

/**
 * The one duplicate decision, in two stages: the global vectors' similarity finds candidates (stage 1, recall),
 * then the pair is verified geometrically and its kind named (stage 2, precision); it is a duplicate when both
 * pass and its kind is one `search.duplicateKinds` lists. The worker's notices and pairs, the duplicate scan, a
 * merge's server-side check and the find-duplicates command all ask it, so a merge only ever removes files the
 * review itself would group.
 */

/** Cosine similarity of two unit vectors, as the API reports it: in [0, 1]. */
export function pairSimilarity(a: readonly number[], b: readonly number[]): number {
  let dot = 0;
  for (let i = 0; i < a.length; i++) dot += a[i] * b[i];
  return toSimilarity(dot);
}

/** Stage 1 alone: a candidate pair. */
export const isDuplicate = (similarity: number, threshold: number): boolean => similarity >= threshold;

export type Judgement =
  | { duplicate: true; kind: DuplicateKind; inliers: number }
  | { duplicate: false; kind: DuplicateKind | null; inliers: number; reason: string }
  /** A file's verification image is missing where the question was asked: no answer. */
  | null;

export interface DuplicateDecision {
  readonly threshold: number;
  readonly kinds: readonly DuplicateKind[];
  judge(a: number, b: number, similarity: number): Promise<Judgement>;
}

/**
 * Pairs whose judgement is kept. Alike files are each other's candidates, so a backlog or a duplicate scan asks for
 * every such pair from both sides; the second asks here. The similarity is part of the answer's key: a file whose
 * bytes changed has a new vector, so its pairs are judged again.
 */
const KEPT_JUDGEMENTS = 4096;

export function createDuplicateDecision({
  threshold,
  kinds,
  verifier,
}: {
  threshold: number;
  kinds: readonly DuplicateKind[];
  verifier: PairVerifier;
}): DuplicateDecision {
  const counted = new Set(kinds);
  // No answer (null) is not kept: the verification image may be made by the next question.
  const kept = keptPromises<string, Judgement>(KEPT_JUDGEMENTS, (judgement) => judgement !== null);

  async function verified(a: number, b: number): Promise<Judgement> {
    const verification = await verifier.verify(a, b);
    if (!verification) return null;
    const { kind, inliers } = verification;
    if (kind && counted.has(kind)) return { duplicate: true, kind, inliers };
    return {
      duplicate: false,
      kind,
      inliers,
      reason: kind ? `they are ${kind}, which does not count as duplicates here` : `their keypoints do not match (${inliers} consistent)`,
    };
  }

  return {
    threshold,
    kinds,
    judge(a, b, similarity) {
      if (!isDuplicate(similarity, threshold))
        return Promise.resolve({ duplicate: false, kind: null, inliers: 0, reason: `similarity ${similarity.toFixed(2)}, and duplicates need ${threshold}` });
      return kept(a < b ? `${a}:${b}` : `${b}:${a}`, similarity, () => verified(a, b));
    },
  };
}

/** The site's decision in a space: the config's threshold when it sets one, else the space's calibrated one. */
export type DecisionIn = (space: Space) => DuplicateDecision;

export function createDecisionsBySpace({
  search,
  verifier,
}: {
  search: { duplicateThreshold?: number; duplicateKinds: readonly DuplicateKind[] };
  verifier: PairVerifier;
}): DecisionIn {
  const decisions = new Map<string, DuplicateDecision>();
  return (space) => {
    if (!decisions.has(space.id)) {
      decisions.set(space.id, createDuplicateDecision({ threshold: search.duplicateThreshold ?? space.thresholds.duplicate, kinds: search.duplicateKinds, verifier }));
    }
    return decisions.get(space.id)!;
  };
}

/** The decision's settings, in words a graph can be compared by: a graph built with others is rebuilt by a scan. */
export const decisionSettings = (space: Space, decision: DuplicateDecision) =>
  `space=${space.id} threshold=${decision.threshold} verified=${VERIFICATION_VERSION} budget=${VERIFICATION_BUDGET.duplicates}/${VERIFICATION_BUDGET.checks} kinds=${decision.kinds.join(',')}`;
