import type { FileSummary } from '../contracts/http';
import { isDuplicate } from './duplicate-decision';
import { pairKey } from '../strapi-data/not-duplicates';

/** Pure arithmetic of the duplicates review: clusters from similar pairs, and the copy to keep. Unit-tested. */

export interface SimilarPair {
  a: number;
  b: number;
  similarity: number;
}

/**
 * Connected groups of files joined by pairs at or above the threshold, without the pairs an editor marked as not
 * duplicates. Each group is sorted by file id; groups are sorted by their smallest id, so pages stay stable.
 */
export function groupDuplicates(pairs: readonly SimilarPair[], threshold: number, notDuplicates: ReadonlySet<string>): number[][] {
  const parent = new Map<number, number>();
  const root = (id: number): number => {
    let node = id;
    while (parent.get(node) !== node) node = parent.get(node)!;
    // Path compression keeps later lookups short.
    for (let next = id; next !== node; ) {
      const up = parent.get(next)!;
      parent.set(next, node);
      next = up;
    }
    return node;
  };
  for (const { a, b, similarity } of pairs) {
    if (a === b || !isDuplicate(similarity, threshold) || notDuplicates.has(pairKey(a, b))) continue;
    for (const id of [a, b]) if (!parent.has(id)) parent.set(id, id);
    const [ra, rb] = [root(a), root(b)];
    if (ra !== rb) parent.set(Math.max(ra, rb), Math.min(ra, rb));
  }
  const groups = new Map<number, number[]>();
  for (const id of parent.keys()) {
    const r = root(id);
    const group = groups.get(r);
    if (group) group.push(id);
    else groups.set(r, [id]);
  }
  return [...groups.values()].map((ids) => ids.sort((x, y) => x - y)).sort((x, y) => x[0] - y[0]);
}

const richness = (file: FileSummary) => (file.alternativeText ? 1 : 0) + (file.caption ? 1 : 0);
const pixels = (file: FileSummary) => (file.width ?? 0) * (file.height ?? 0);

/** The copy to keep: the largest resolution, then the richest metadata (alt text, caption), then the oldest. */
export function suggestKeeper(files: readonly FileSummary[]): FileSummary {
  return [...files].sort(
    (x, y) => pixels(y) - pixels(x) || richness(y) - richness(x) || (x.createdAt ?? '').localeCompare(y.createdAt ?? '') || x.id - y.id
  )[0];
}
