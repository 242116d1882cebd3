import { VERIFICATION_BUDGET, verifyClosest } from '../../../server/src/similarity/verify-closest';

const candidates = (count: number) => Array.from({ length: count }, (_, i) => ({ fileId: i + 1, similarity: 0.99 - i / 100 }));

describe('verifyClosest', () => {
  it('stops once enough duplicates are verified: a burst of copies costs its first few checks', async () => {
    const judge = jest.fn(async () => ({ duplicate: true as const, kind: 'resized' as const }));
    const { duplicates } = await verifyClosest(candidates(16), judge);
    expect(judge).toHaveBeenCalledTimes(VERIFICATION_BUDGET.duplicates);
    expect(duplicates.map((d) => d.fileId)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('goes past candidates that are not copies, up to the budget of checks, closest first', async () => {
    // The 8th closest is the original; the seven before it only share the copy's edit.
    const judge = jest.fn(async ({ fileId }: { fileId: number }) => (fileId === 8 ? { duplicate: true as const, kind: 'cropped' as const } : { duplicate: false as const }));
    const { duplicates } = await verifyClosest(candidates(16), judge);
    expect(duplicates).toEqual([{ fileId: 8, similarity: expect.closeTo(0.92), kind: 'cropped' }]);
    expect(judge.mock.calls.map(([c]) => c.fileId)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });

  it('counts the candidates it could not verify', async () => {
    const { duplicates, unverified } = await verifyClosest(candidates(3), async ({ fileId }) => (fileId === 2 ? null : { duplicate: false }));
    expect({ duplicates, unverified }).toEqual({ duplicates: [], unverified: 1 });
  });
});
