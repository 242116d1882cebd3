import { createDuplicateDecision } from '../../../server/src/similarity/duplicate-decision';
import type { PairVerifier } from '../../../server/src/verification/pair-verifier';
import type { Verification } from '../../../server/src/verification/verify-pair';

function countingVerifier(answer: Verification | null) {
  const asked: Array<[number, number]> = [];
  const verifier: PairVerifier = {
    async verify(a, b) {
      asked.push([a, b]);
      return answer;
    },
  };
  return { verifier, asked };
}

const resized: Verification = { kind: 'resized', inliers: 120, match: null };

describe('the duplicate decision', () => {
  it('verifies a pair once, whichever side asks, while its similarity stays the same', async () => {
    const { verifier, asked } = countingVerifier(resized);
    const decision = createDuplicateDecision({ threshold: 0.7, kinds: ['resized'], verifier });
    const first = await decision.judge(1, 2, 0.93);
    expect(await decision.judge(2, 1, 0.93)).toEqual(first);
    expect(first).toEqual({ duplicate: true, kind: 'resized', inliers: 120 });
    expect(asked).toEqual([[1, 2]]);
    // A file whose bytes changed has a new vector, so a new similarity: judged again.
    await decision.judge(2, 1, 0.91);
    expect(asked).toEqual([
      [1, 2],
      [2, 1],
    ]);
  });

  it('asks again after no answer, and never verifies below the threshold', async () => {
    const { verifier, asked } = countingVerifier(null);
    const decision = createDuplicateDecision({ threshold: 0.7, kinds: ['resized'], verifier });
    expect(await decision.judge(1, 2, 0.9)).toBeNull();
    await new Promise((resolve) => setImmediate(resolve));
    expect(await decision.judge(1, 2, 0.9)).toBeNull();
    expect(await decision.judge(1, 3, 0.5)).toMatchObject({ duplicate: false, kind: null });
    expect(asked).toEqual([
      [1, 2],
      [1, 2],
    ]);
  });
});
