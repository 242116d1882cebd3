import { errors } from '@strapi/utils';
import { MEDIA_EVENT_TYPES } from '../../../server/src/contracts/events';
import { ConflictError } from '../../../server/src/errors/http-errors';
import { createReconciler } from '../../../server/src/maintenance/reconciler';
import { LeaseTakenError, type Leases } from '../../../server/src/strapi-data/leases';
import type { FileRecords } from '../../../server/src/strapi-data/file-records';
import type { IndexStateRepository } from '../../../server/src/strapi-data/index-state';
import type { MediaUsage } from '../../../server/src/strapi-data/media-usage';
import { partitionForContentType, UNATTACHED_PARTITION } from '../../../server/src/vector-store/partitions';
import type { VectorStore } from '../../../server/src/vector-store/types';

const ARTICLE = 'api::article.article';
const OLD = '2026-01-01T00:00:00.000Z';

/**
 * Six image files: 1 indexed where it belongs, 2 missing, 3 missing because it failed, 4 indexed in the wrong
 * partition, 5 changed a moment ago; 6 is used by an article. The index also holds 99, whose file is gone.
 */
function library({ leaseTaken = false } = {}) {
  const rows = [1, 2, 3, 4, 5, 6].map((id) => ({ id, mime: 'image/jpeg', updatedAt: id === 5 ? new Date().toISOString() : OLD }));
  const indexed = new Map([
    [1, [UNATTACHED_PARTITION]],
    [4, [partitionForContentType(ARTICLE)]],
    [6, [partitionForContentType(ARTICLE)]],
    [99, [UNATTACHED_PARTITION]],
  ]);
  const deleted: number[] = [];
  const recorded: Array<{ type: string; id: unknown; contentTypes?: readonly string[] }> = [];
  const store = {
    collection: 'image_search_resnet50',
    indexedPartitions: async () => indexed,
    deleteFile: async (id: number) => void deleted.push(id),
    modelCollection: async () => null,
  } as unknown as VectorStore;
  const files = {
    maxId: async () => 6,
    // Pages of two, to cross page boundaries.
    imageRowsAfter: async (afterId: number) => rows.filter((row) => row.id > afterId).slice(0, 2),
  } as unknown as FileRecords;
  const usage = {
    entriesUsingFiles: async (ids: number[]) => new Map(ids.map((id) => [id, id === 6 ? [{ contentType: ARTICLE }] : []])),
  } as unknown as MediaUsage;
  const leases = {
    exclusive: async (names: string[], work: () => Promise<unknown>) => {
      if (leaseTaken) throw new LeaseTakenError(names[0]);
      return work();
    },
  } as unknown as Leases;
  const reconciler = createReconciler({
    files,
    usage,
    states: { failedFileIds: async () => new Set([3]) } as unknown as IndexStateRepository,
    recorder: { record: async (type, row, contentTypes) => void recorded.push({ type, id: row.id, contentTypes }) },
    leases,
    model: { id: 'resnet50' } as never,
    store: () => store,
  });
  return { reconciler, recorded, deleted };
}

describe('reconciler', () => {
  it('queues missing files, moves misplaced ones, deletes orphans, and leaves recent and failed files alone', async () => {
    const { reconciler, recorded, deleted } = library();
    const report = await reconciler.reconcile({ graceMs: 60_000, retryFailed: false });
    expect(report).toEqual({ checked: 6, queued: 1, moved: 1, orphansDeleted: 1, indexed: 2, failed: 1, recent: 1 });
    expect(recorded).toEqual([
      { type: MEDIA_EVENT_TYPES.reindexRequested, id: 2, contentTypes: undefined },
      { type: MEDIA_EVENT_TYPES.usageChanged, id: 4, contentTypes: [] },
    ]);
    expect(deleted).toEqual([99]);
  });

  it('gives failed files another chance on a manual run', async () => {
    const { reconciler, recorded } = library();
    const report = await reconciler.reconcile({ graceMs: 0, retryFailed: true });
    // Nothing counts as recent with no grace period: file 5 is queued too.
    expect(report).toMatchObject({ queued: 3, failed: 0, recent: 0 });
    expect(recorded.filter((event) => event.type === MEDIA_EVENT_TYPES.reindexRequested).map((event) => event.id)).toEqual([2, 3, 5]);
  });

  it('answers 409 while another run holds the index, and 404 for a model without an index', async () => {
    await expect(library({ leaseTaken: true }).reconciler.reconcile({ graceMs: 0, retryFailed: true })).rejects.toBeInstanceOf(ConflictError);
    await expect(library().reconciler.reconcile({ graceMs: 0, retryFailed: true, model: 'clip' })).rejects.toBeInstanceOf(errors.NotFoundError);
  });
});
