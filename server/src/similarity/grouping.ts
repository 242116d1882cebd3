import type { DuplicateKind } from '../contracts/duplicate-kinds';
import { isDuplicate } from './duplicate-decision';
import { pairKey } from '../strapi-data/not-duplicates';

/** Pure arithmetic of the duplicates review: groups from similar pairs. Unit-tested. */

/** Neighbours looked at per file when pairs are collected: a file with more duplicates still groups them, as keeper. */
export const REVIEW_NEIGHBOURS = 16;

export interface SimilarPair {
  a: number;
  b: number;
  similarity: number;
  /** What the verified copy is; null for pairs stored before pairs were verified. */
  kind?: DuplicateKind | null;
}

/**
 * Groups that never chain: each is a keeper and the files that are themselves duplicates of that keeper (a pair at
 * or above the threshold with it, not marked "not duplicates"). The file with the most duplicates is taken as a
 * keeper first (it is most likely the original the others were made from; among equals, `keeperOrder` decides: the
 * configured keeper rules),
 * and a file joins the first keeper it duplicates. So a burst of similar shots, where each is close only to the
 * next, never merges into one large group. The keeper comes first in its group, the rest by id; groups are
 * ordered by their smallest id, so pages stay stable.
 */
export function groupDuplicates(
  pairs: readonly SimilarPair[],
  threshold: number,
  notDuplicates: Pick<ReadonlySet<string>, 'has'>,
  keeperOrder: (a: number, b: number) => number = (a, b) => a - b
): number[][] {
  const neighbours = new Map<number, Set<number>>();
  for (const { a, b, similarity } of pairs) {
    if (a === b || !isDuplicate(similarity, threshold) || notDuplicates.has(pairKey(a, b))) continue;
    for (const [from, to] of [[a, b], [b, a]]) {
      const set = neighbours.get(from) ?? new Set<number>();
      neighbours.set(from, set.add(to));
    }
  }
  const grouped = new Set<number>();
  const groups: number[][] = [];
  const degree = (id: number) => neighbours.get(id)!.size;
  for (const keeper of [...neighbours.keys()].sort((a, b) => degree(b) - degree(a) || keeperOrder(a, b))) {
    if (grouped.has(keeper)) continue;
    const copies = [...neighbours.get(keeper)!].filter((id) => !grouped.has(id)).sort((x, y) => x - y);
    if (copies.length === 0) continue;
    for (const id of [keeper, ...copies]) grouped.add(id);
    groups.push([keeper, ...copies]);
  }
  const smallest = new Map(groups.map((group) => [group, Math.min(...group)]));
  return groups.sort((x, y) => smallest.get(x)! - smallest.get(y)!);
}
