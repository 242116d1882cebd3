import { REVIEW_NEIGHBOURS, type SimilarPair } from './grouping';

/**
 * Similar items among items held in memory, the way the review collects them from the index: each item's
 * nearest `neighbourCount` at or above the threshold. Items are named by their index. Exact (every pair is
 * scored), for the find-duplicates command and the quality benchmark.
 */

export interface Neighbour {
  /** The neighbour's index. */
  j: number;
  similarity: number;
}

/** Each item's neighbours, closest first. */
export function neighbourLists<T>(items: readonly T[], similarity: (a: T, b: T) => number, threshold: number, neighbourCount = REVIEW_NEIGHBOURS): Neighbour[][] {
  return items.map((item, i) => {
    const scored = items.flatMap((other, j) => (j === i ? [] : [{ j, similarity: similarity(item, other) }]));
    scored.sort((x, y) => y.similarity - x.similarity);
    const closest = scored.slice(0, neighbourCount);
    const below = closest.findIndex((neighbour) => neighbour.similarity < threshold);
    return below === -1 ? closest : closest.slice(0, below);
  });
}

/** The pairs of those lists, each once. */
export function pairsAmong<T>(items: readonly T[], similarity: (a: T, b: T) => number, threshold: number, neighbourCount = REVIEW_NEIGHBOURS): SimilarPair[] {
  const pairs = new Map<string, SimilarPair>();
  neighbourLists(items, similarity, threshold, neighbourCount).forEach((list, i) => {
    for (const { j, similarity: score } of list) {
      const [a, b] = i < j ? [i, j] : [j, i];
      pairs.set(`${a}:${b}`, { a, b, similarity: score });
    }
  });
  return [...pairs.values()];
}
