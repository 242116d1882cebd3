import { KEEPER_RULES } from '../../../server/src/config/schema';
import type { UsedFile } from '../../../server/src/contracts/http';
import { chooseKeeper, keeperComparator, keeperOfGroup } from '../../../server/src/similarity/keeper-rules';

const file = (id: number, extra: Partial<UsedFile> = {}): UsedFile => ({
  id,
  documentId: `d${id}`,
  name: `f${id}`,
  url: `/f${id}`,
  thumbnailUrl: `/f${id}`,
  mime: 'image/jpeg',
  width: 1000,
  height: 1000,
  size: 100_000,
  alternativeText: null,
  caption: null,
  createdAt: '2026-01-02T00:00:00.000Z',
  usedBy: [],
  ...extra,
});
const use = (documentId: string) => ({ contentType: 'api::page.page', documentId, title: 'Home', field: 'cover', status: 'published' as const, locale: null });

describe('keeper rules', () => {
  it('lets the first rule that tells two copies apart decide, and says why', () => {
    const rules = [...KEEPER_RULES];
    expect(chooseKeeper([file(1), file(2, { width: 4000, height: 3000 })], rules)).toMatchObject({ keeper: { id: 2 }, reason: 'largest: 4000×3000' });
    expect(chooseKeeper([file(1), file(2, { size: 2_500_000 })], rules)).toMatchObject({ keeper: { id: 2 }, reason: 'largest file: 2.4 MB' });
    expect(chooseKeeper([file(1), file(2, { mime: 'image/png' })], rules)).toMatchObject({ keeper: { id: 2 }, reason: 'preferred format: PNG' });
    expect(chooseKeeper([file(1), file(2, { alternativeText: 'a cat', caption: 'Chelsea' })], rules)).toMatchObject({
      keeper: { id: 2 },
      reason: 'has alt text and a caption',
    });
    // Drafts and published versions of one entry count once.
    expect(chooseKeeper([file(1, { usedBy: [use('a')] }), file(2, { usedBy: [use('b'), use('c'), use('c')] })], rules)).toMatchObject({
      keeper: { id: 2 },
      reason: 'used by 2 entries',
    });
    expect(chooseKeeper([file(2), file(1, { createdAt: '2025-12-31T00:00:00.000Z' })], rules)).toMatchObject({
      keeper: { id: 1 },
      reason: 'oldest: uploaded 2025-12-31',
    });
    expect(chooseKeeper([file(2), file(1)], rules)).toMatchObject({ keeper: { id: 1 }, reason: 'the copies tie on every rule: the first uploaded' });
    expect(chooseKeeper([file(3)], rules).reason).toBe('the only copy the others all duplicate');
  });

  it('follows the configured order', () => {
    const small = file(1, { width: 800, height: 600, mime: 'image/png' });
    const large = file(2, { width: 4000, height: 3000 });
    expect(chooseKeeper([small, large], ['resolution', 'format']).keeper.id).toBe(2);
    expect(chooseKeeper([small, large], ['format', 'resolution'])).toMatchObject({ keeper: { id: 1 }, reason: 'preferred format: PNG' });
    expect([large, small].sort(keeperComparator(['format'])).map((f) => f.id)).toEqual([1, 2]);
  });
});

describe('keeperOfGroup', () => {
  it('keeps only a file that duplicates every other member, the best of those by the rules', () => {
    // 1 is what the group formed around; 2 is the largest but unlike 3.
    const members = [file(1), file(2, { width: 4000, height: 3000 }), file(3)];
    const alike = new Set(['1:2', '1:3']);
    const duplicates = (a: UsedFile, b: UsedFile) => alike.has(`${Math.min(a.id, b.id)}:${Math.max(a.id, b.id)}`);
    expect(keeperOfGroup(members, duplicates, [...KEEPER_RULES])).toEqual({ keeper: members[0], reason: 'the only copy the others all duplicate' });
    alike.add('2:3');
    expect(keeperOfGroup(members, duplicates, [...KEEPER_RULES])).toMatchObject({ keeper: { id: 2 }, reason: 'largest: 4000×3000' });
  });
});
