import { neighbours } from '../../../server/src/similarity/neighbours';
import type { IndexCollection, VectorSearch } from '../../../server/src/vector-store/types';

/** A store whose rows are fixed (fileId, score) pairs, already sorted best first, like Milvus returns them. */
function fakeStore(rows: Array<[fileId: number, score: number]>) {
  const calls: VectorSearch[] = [];
  const store = {
    search: async (query: VectorSearch) => {
      calls.push(query);
      return rows.slice(0, query.limit).map(([fileId, score]) => ({ fileId, score }));
    },
  } as unknown as IndexCollection;
  return { store, calls };
}

describe('neighbours', () => {
  it('widens the window until it has enough distinct files when files repeat across partitions', async () => {
    const rows: Array<[number, number]> = [];
    for (let f = 1; f <= 10; f++) rows.push([f, 1 - f / 100], [f, 1 - f / 100 - 0.001], [f, 1 - f / 100 - 0.002]);
    rows.sort((a, b) => b[1] - a[1]);
    const { store, calls } = fakeStore(rows);
    const ranked = await neighbours(store, { vector: [1], needed: 5, threshold: 0 });
    expect(ranked.map((r) => r.fileId)).toEqual([1, 2, 3, 4, 5]);
    expect(calls.length).toBeGreaterThan(1);
  });

  it('stops at the threshold instead of widening forever', async () => {
    const { store, calls } = fakeStore([
      [1, 0.95],
      [2, 0.9],
      [3, 0.2],
      [4, 0.1],
    ]);
    const ranked = await neighbours(store, { vector: [1], needed: 3, threshold: 0.5 });
    expect(ranked.map((r) => r.fileId)).toEqual([1, 2]);
    expect(calls).toHaveLength(1);
  });

  it('returns what exists when the collection is smaller than the page', async () => {
    const { store } = fakeStore([
      [7, 0.6],
      [8, 0.5],
    ]);
    expect((await neighbours(store, { vector: [1], needed: 21, threshold: 0 })).map((r) => r.fileId)).toEqual([7, 8]);
  });
});

describe('neighbours with a caller filter', () => {
  it('widens the window until enough hits are accepted', async () => {
    const rows: Array<[number, number]> = Array.from({ length: 40 }, (_, i) => [i + 1, 0.99 - i / 100]);
    const { store, calls } = fakeStore(rows);
    const accept = async (hits: Array<{ fileId: number }>) => hits.filter((hit) => hit.fileId % 4 === 0) as never;
    const ranked = await neighbours(store, { vector: [1], needed: 5, threshold: 0, accept });
    expect(ranked.map((r) => r.fileId)).toEqual([4, 8, 12, 16, 20]);
    expect(calls.map((call) => call.limit)).toEqual([5, 10, 20]);
  });
});
