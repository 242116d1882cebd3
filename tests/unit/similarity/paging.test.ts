import { aboveThreshold, dedupeByFile, pageOf, resultsNeeded, toSimilarity } from '../../../server/src/similarity/paging';

describe('similarity paging arithmetic', () => {
  it('clamps cosine into [0, 1]', () => {
    expect(toSimilarity(-0.3)).toBe(0);
    expect(toSimilarity(0.42)).toBe(0.42);
    expect(toSimilarity(1.0000002)).toBe(1);
  });

  it('keeps one entry per file with its best score, best first', () => {
    const ranked = dedupeByFile([
      { fileId: 1, similarity: 0.5 },
      { fileId: 2, similarity: 0.9 },
      { fileId: 1, similarity: 0.7 },
      { fileId: 3, similarity: 0.7 },
    ]);
    expect(ranked).toEqual([
      { fileId: 2, similarity: 0.9 },
      { fileId: 1, similarity: 0.7 },
      { fileId: 3, similarity: 0.7 },
    ]);
  });

  it('cuts everything under the threshold and keeps what equals it', () => {
    const hits = [0.9, 0.8, 0.8, 0.79].map((similarity, fileId) => ({ fileId, similarity }));
    expect(aboveThreshold(hits, 0.8).map((h) => h.fileId)).toEqual([0, 1, 2]);
  });

  it('asks for one result beyond the page, to tell whether more exist', () => {
    expect(resultsNeeded(1, 20)).toBe(21);
    expect(resultsNeeded(3, 10)).toBe(31);
  });

  it('slices disjoint pages and says when more exist', () => {
    const items = Array.from({ length: 25 }, (_, i) => i);
    expect(pageOf(items, 1, 10)).toEqual({ items: items.slice(0, 10), hasMore: true });
    expect(pageOf(items, 3, 10)).toEqual({ items: items.slice(20), hasMore: false });
    expect(pageOf(items, 4, 10)).toEqual({ items: [], hasMore: false });
    expect(pageOf(items.slice(0, 20), 2, 10).hasMore).toBe(false);
  });
});
