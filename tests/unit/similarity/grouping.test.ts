import type { FileSummary } from '../../../server/src/contracts/http';
import { groupDuplicates, suggestKeeper } from '../../../server/src/similarity/grouping';
import { pairKey } from '../../../server/src/strapi-data/not-duplicates';

const pair = (a: number, b: number, similarity = 0.9) => ({ a, b, similarity });

describe('groupDuplicates', () => {
  it('joins chains of similar pairs into one group, sorted, groups ordered by smallest id', () => {
    expect(groupDuplicates([pair(9, 4), pair(4, 7), pair(2, 3)], 0.7, new Set())).toEqual([
      [2, 3],
      [4, 7, 9],
    ]);
  });

  it('ignores pairs under the threshold and pairs marked "not duplicates"', () => {
    const pairs = [pair(1, 2, 0.69), pair(3, 4), pair(5, 6)];
    expect(groupDuplicates(pairs, 0.7, new Set([pairKey(6, 5)]))).toEqual([[3, 4]]);
  });

  it('keeps a group whose marked pair is still bridged by another file', () => {
    expect(groupDuplicates([pair(1, 2), pair(2, 3), pair(1, 3)], 0.7, new Set([pairKey(1, 3)]))).toEqual([[1, 2, 3]]);
  });
});

describe('suggestKeeper', () => {
  const file = (id: number, width: number, extra: Partial<FileSummary> = {}): FileSummary => ({
    id,
    documentId: `d${id}`,
    name: `f${id}`,
    url: `/f${id}`,
    thumbnailUrl: `/f${id}`,
    mime: 'image/jpeg',
    width,
    height: width,
    size: 1,
    alternativeText: null,
    caption: null,
    createdAt: `2026-01-0${id}T00:00:00.000Z`,
    ...extra,
  });

  it('prefers the largest resolution, then the richest metadata, then the oldest', () => {
    expect(suggestKeeper([file(1, 100), file(2, 200)]).id).toBe(2);
    expect(suggestKeeper([file(1, 100), file(2, 100, { alternativeText: 'a cat' })]).id).toBe(2);
    expect(suggestKeeper([file(3, 100), file(2, 100)]).id).toBe(2);
  });
});
