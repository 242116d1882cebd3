import { REVIEW_NEIGHBOURS, type SimilarPair } from './grouping';

/**
 * The similar pairs among items held in memory, the way the review collects them from the index: each item's
 * nearest `neighbourCount` at or above the threshold. Items are named by their index. Exact (every pair is
 * scored), for the find-duplicates command and the quality benchmark.
 */
export function pairsAmong<T>(items: readonly T[], similarity: (a: T, b: T) => number, threshold: number, neighbourCount = REVIEW_NEIGHBOURS): SimilarPair[] {
  const pairs = new Map<string, SimilarPair>();
  items.forEach((item, i) => {
    const scored = items.flatMap((other, j) => (j === i ? [] : [{ j, similarity: similarity(item, other) }]));
    scored.sort((x, y) => y.similarity - x.similarity);
    for (const { j, similarity: score } of scored.slice(0, neighbourCount)) {
      if (score < threshold) break;
      const [a, b] = i < j ? [i, j] : [j, i];
      pairs.set(`${a}:${b}`, { a, b, similarity: score });
    }
  });
  return [...pairs.values()];
}
