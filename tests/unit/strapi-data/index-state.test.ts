import type { Core } from '@strapi/strapi';
import { buildEvent, INDEX_EVENT_TYPES, MEDIA_EVENT_TYPES } from '../../../server/src/contracts/events';
import { createIndexStateRepository } from '../../../server/src/strapi-data/index-state';

type Row = Record<string, unknown> & { id: number };
type Where = Record<string, unknown>;

/** Strapi's query API over one in-memory table, for the filters the repository uses. */
function fakeStrapi() {
  const rows: Row[] = [];
  const matches = (row: Row, where: Where = {}) =>
    Object.entries(where).every(([key, condition]) =>
      condition && typeof condition === 'object' && '$notNull' in condition ? row[key] !== null && row[key] !== undefined : row[key] === condition
    );
  const newestFirst = (a: Row, b: Row) => +new Date(b.eventTime as Date) - +new Date(a.eventTime as Date);
  const query = {
    findOne: async ({ where }: { where: Where }) => rows.find((row) => matches(row, where)) ?? null,
    findMany: async ({ where, limit }: { where: Where; limit?: number }) => rows.filter((row) => matches(row, where)).sort(newestFirst).slice(0, limit),
    create: async ({ data }: { data: Record<string, unknown> }) => void rows.push({ duplicates: null, ...data, id: rows.length + 1 }),
    update: async ({ where, data }: { where: Where; data: Record<string, unknown> }) => void rows.filter((row) => matches(row, where)).forEach((row) => Object.assign(row, data)),
    count: async ({ where }: { where: Where }) => rows.filter((row) => matches(row, where)).length,
  };
  return { strapi: { db: { query: () => query } } as unknown as Core.Strapi, rows };
}

const causation = { id: '6f1c1f0e-0d4b-4d8e-9f57-2a4e0b1c9d11', type: MEDIA_EVENT_TYPES.created };
const at = (seconds: number) => ({ time: new Date(Date.UTC(2026, 0, 1, 0, 0, seconds)) });
const applied = (fileId: number, action: 'indexed' | 'moved' | 'removed' | 'skipped', seconds: number) =>
  buildEvent(INDEX_EVENT_TYPES.applied, fileId, { fileId, model: 'resnet50', action, reason: null, causation }, at(seconds));
const failed = (fileId: number, reason: string, seconds: number) => buildEvent(INDEX_EVENT_TYPES.failed, fileId, { fileId, model: 'resnet50', reason, causation }, at(seconds));
const duplicates = (fileId: number, of: number, seconds: number) =>
  buildEvent(INDEX_EVENT_TYPES.duplicateDetected, fileId, { fileId, model: 'resnet50', threshold: 0.7, duplicates: [{ fileId: of, similarity: 0.93 }], causation }, at(seconds));

describe('index state', () => {
  it('keeps the newest outcome per file, whatever order re-delivered events arrive in', async () => {
    const { strapi, rows } = fakeStrapi();
    const states = createIndexStateRepository(strapi);
    await states.record(failed(1, 'corrupt', 10));
    await states.record(applied(1, 'indexed', 5));
    expect(await states.stateOf(1)).toMatchObject({ status: 'failed', reason: 'corrupt' });
    await states.record(applied(1, 'indexed', 20));
    expect(await states.stateOf(1)).toMatchObject({ status: 'indexed', reason: null });
    expect(rows).toHaveLength(1);
    expect(await states.stateOf(2)).toBeNull();
  });

  it('counts and lists failures newest first', async () => {
    const { strapi } = fakeStrapi();
    const states = createIndexStateRepository(strapi);
    await states.record(failed(1, 'corrupt', 1));
    await states.record(failed(2, 'too large', 3));
    await states.record(applied(3, 'indexed', 2));
    expect(await states.countFailed()).toBe(2);
    expect(await states.failedFileIds()).toEqual(new Set([1, 2]));
    expect((await states.recentFailures(1)).map((state) => [state.fileId, state.reason])).toEqual([[2, 'too large']]);
  });

  it('keeps a duplicate notice through a move, drops it with a new vector, and never lets a stale notice in', async () => {
    const { strapi } = fakeStrapi();
    const states = createIndexStateRepository(strapi);
    await states.record(applied(1, 'indexed', 1));
    await states.record(duplicates(1, 7, 2));
    await states.record(applied(1, 'moved', 3));
    expect(await states.recentDuplicates(10)).toMatchObject([{ fileId: 1, duplicates: [{ fileId: 7 }] }]);
    await states.record(applied(1, 'indexed', 4));
    expect(await states.recentDuplicates(10)).toEqual([]);
    // A notice older than the stored outcome belongs to the vector that was replaced.
    await states.record(duplicates(1, 7, 2));
    expect(await states.recentDuplicates(10)).toEqual([]);
  });

  it('counts the files with a vector from the reports alone: a metadata edit or a failed replace keeps it, a delete ends it', async () => {
    const { strapi } = fakeStrapi();
    const states = createIndexStateRepository(strapi);
    await states.record(applied(1, 'indexed', 1));
    await states.record(applied(1, 'skipped', 2));
    await states.record(failed(1, 'corrupt', 3));
    await states.record(applied(2, 'moved', 1));
    await states.record(applied(3, 'indexed', 1));
    await states.record(applied(3, 'removed', 2));
    await states.record(applied(4, 'skipped', 1));
    expect(await states.countIndexed()).toBe(2);
  });

  it('says whether it recorded an event, so that what follows from it is applied once and in order', async () => {
    const { strapi } = fakeStrapi();
    const states = createIndexStateRepository(strapi);
    expect(await states.record(applied(1, 'indexed', 5))).toBe(true);
    expect(await states.record(duplicates(1, 7, 6))).toBe(true);
    expect(await states.record(applied(1, 'removed', 4))).toBe(false);
    expect(await states.record(duplicates(1, 7, 3))).toBe(false);
  });
});
