import { REVIEW_NEIGHBOURS } from '../../../server/src/similarity/grouping';
import { pairsAmong } from '../../../server/src/similarity/pairs-among';

describe('pairsAmong', () => {
  const similarity = (a: number, b: number) => 1 - Math.abs(a - b) / 100;

  it('pairs each item with its nearest neighbours at or above the threshold, once per pair', () => {
    expect(pairsAmong([0, 10, 11, 60], similarity, 0.85)).toEqual([
      { a: 0, b: 1, similarity: 0.9 },
      { a: 0, b: 2, similarity: 0.89 },
      { a: 1, b: 2, similarity: 0.99 },
    ]);
  });

  it('looks at no more neighbours per item than the review does', () => {
    // All alike: each item pairs with the first REVIEW_NEIGHBOURS others, so two late items never meet.
    const items = Array.from({ length: REVIEW_NEIGHBOURS + 4 }, (_, i) => i);
    const pairs = pairsAmong(items, () => 1, 0.5);
    const last = items.length - 1;
    expect(pairs.some((pair) => pair.a === last - 1 && pair.b === last)).toBe(false);
    for (const item of items) expect(pairs.filter((pair) => pair.a === item || pair.b === item).length).toBeGreaterThanOrEqual(REVIEW_NEIGHBOURS);
  });
});
