import { groupDuplicates } from '../../../server/src/similarity/grouping';
import { pairKey } from '../../../server/src/strapi-data/not-duplicates';

const pair = (a: number, b: number, similarity = 0.9) => ({ a, b, similarity });

describe('groupDuplicates', () => {
  it('groups each keeper with its duplicates, keeper first, groups ordered by smallest id', () => {
    expect(groupDuplicates([pair(9, 4), pair(2, 3), pair(4, 7)], 0.7, new Set())).toEqual([
      [2, 3],
      [4, 7, 9],
    ]);
  });

  it('never chains: a run of shots each close only to the next makes groups of direct duplicates', () => {
    const burst = [pair(1, 2), pair(2, 3), pair(3, 4), pair(4, 5), pair(5, 6)];
    const groups = groupDuplicates(burst, 0.7, new Set());
    const direct = new Set(burst.map(({ a, b }) => pairKey(a, b)));
    for (const [keeper, ...copies] of groups) for (const copy of copies) expect(direct.has(pairKey(keeper, copy))).toBe(true);
    expect(Math.max(...groups.map((group) => group.length))).toBeLessThanOrEqual(3);
  });

  it('takes the file with the most duplicates as keeper, then the preferred one', () => {
    // 5 is the original of three copies that are not alike among themselves.
    expect(groupDuplicates([pair(5, 6), pair(5, 7), pair(8, 5)], 0.7, new Set(), (a, b) => b - a)).toEqual([[5, 6, 7, 8]]);
    // Between equals the order decides: here the largest id.
    expect(groupDuplicates([pair(1, 2)], 0.7, new Set(), (a, b) => b - a)).toEqual([[2, 1]]);
  });

  it('ignores pairs under the threshold and pairs marked "not duplicates"', () => {
    const pairs = [pair(1, 2, 0.69), pair(3, 4), pair(5, 6)];
    expect(groupDuplicates(pairs, 0.7, new Set([pairKey(6, 5)]))).toEqual([[3, 4]]);
  });

  it('does not bridge a marked pair through a third file', () => {
    expect(groupDuplicates([pair(1, 2), pair(2, 3), pair(1, 3)], 0.7, new Set([pairKey(1, 3)]))).toEqual([[2, 1, 3]]);
  });
});
