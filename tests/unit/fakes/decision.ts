import { DEFAULT_DUPLICATE_KINDS } from '../../../server/src/contracts/duplicate-kinds';
import type { DecisionIn, DuplicateDecision } from '../../../server/src/similarity/duplicate-decision';
import { identitySpace } from '../../../server/src/whitening/projection';

/** The duplicate decision with every candidate verified as a resized copy: stage 1 alone decides. */
export const stageOneDecision = (threshold: number): DuplicateDecision => ({
  threshold,
  kinds: DEFAULT_DUPLICATE_KINDS,
  judge: async (_a, _b, similarity) =>
    similarity >= threshold ? { duplicate: true, kind: 'resized', inliers: 100 } : { duplicate: false, kind: null, inliers: 0, reason: 'below the threshold' },
});

/** The same, in any space. */
export const stageOneDecisions = (threshold: number): DecisionIn => () => stageOneDecision(threshold);

/** The space of the fakes' one-number vectors. */
export const FAKE_SPACE = identitySpace(1);
