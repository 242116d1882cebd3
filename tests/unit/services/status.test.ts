import { UnavailableError } from '../../../server/src/errors/pipeline-errors';
import { createStatusService, type StatusDeps } from '../../../server/src/services/status';
import type { SpaceFit } from '../../../server/src/strapi-data/space-fits';
import type { VectorStore } from '../../../server/src/vector-store/types';
import { identitySpace } from '../../../server/src/whitening/projection';

const rows = (vectors: number) => async () => vectors;
const scan = { state: 'complete', done: 6, total: 6, finishedAt: '2026-01-01T00:00:00.000Z' } as const;

function deps(store: Partial<VectorStore> | undefined, fit: SpaceFit | null = null): StatusDeps {
  return {
    config: { worker: { inProcess: true }, search: {} } as StatusDeps['config'],
    model: { id: 'resnet50' } as StatusDeps['model'],
    files: { countImages: async () => 10, findMany: async () => new Map([[7, { name: 'cat.bmp' }]]) } as never,
    states: {
      countFailed: async () => 1,
      countIndexed: async () => 6,
      recentFailures: async () => [{ fileId: 7, reason: 'corrupt', eventTime: '2026-01-01T00:00:00.000Z' }],
    } as never,
    outbox: { pendingStats: async () => ({ pending: 3, oldestPendingAt: null }) } as never,
    storeIfReady: () => store as VectorStore | undefined,
    space: async () => (store?.countRows ? (await store.countRows(), identitySpace(2048)) : Promise.reject(new UnavailableError('down'))),
    spaceLearner: { latest: async () => fit } as never,
    consumerLag: async () => 4,
    workerRunning: () => true,
    duplicateScanner: { status: async () => scan } as never,
  };
}

describe('status service', () => {
  it('reports the library, the index, failures, the outbox, the worker, a rebuild under way and the duplicate scan, by counts', async () => {
    const store = { collection: 'image_search_resnet50', countRows: rows(8), rebuildTarget: async () => ({ countRows: rows(2) }) as never };
    expect(await createStatusService(deps(store)).get()).toEqual({
      model: 'resnet50',
      library: { images: 10 },
      // Ten images, six indexed, one failed for good: three wait.
      index: {
        reachable: true,
        collection: 'image_search_resnet50',
        files: 6,
        vectors: 8,
        pending: 3,
        space: { id: 'identity', dim: 2048, learnedFrom: null, learnedAt: null, thresholds: { duplicate: 0.7, search: 0.45 } },
      },
      failures: { count: 1, recent: [{ fileId: 7, name: 'cat.bmp', reason: 'corrupt', at: '2026-01-01T00:00:00.000Z' }] },
      outbox: { pending: 3, oldestPendingAt: null },
      worker: { inProcess: true, running: true, lag: 4 },
      rebuild: { active: true, vectors: 2, learning: null },
      whitening: null,
      duplicateScan: scan,
    });
  });

  it('shows a rebuild that is learning its whitening, and a fit left by a stopped instance as interrupted', async () => {
    const store = { collection: 'c', countRows: rows(8), rebuildTarget: async () => null };
    const now = new Date().toISOString();
    const learning: SpaceFit = { id: 1, state: 'learning', done: 40, total: 400, projection: null, reason: null, startedAt: now, updatedAt: now, finishedAt: null };
    const status = await createStatusService(deps(store, learning)).get();
    expect(status.rebuild).toEqual({ active: true, vectors: 0, learning: { done: 40, total: 400 } });
    expect(status.whitening).toMatchObject({ state: 'learning', done: 40, total: 400 });
    const stale = { ...learning, updatedAt: new Date(Date.now() - 10 * 60_000).toISOString() };
    const stopped = await createStatusService(deps(store, stale)).get();
    expect(stopped.rebuild).toEqual({ active: false });
    expect(stopped.whitening).toMatchObject({ state: 'interrupted' });
  });

  it('shows Milvus as unreachable, whether it never connected or stopped answering', async () => {
    expect((await createStatusService(deps(undefined)).get()).index).toEqual({ reachable: false });
    const down = async () => Promise.reject(new UnavailableError('Milvus is not answering'));
    const status = await createStatusService(deps({ collection: 'c', countRows: down, rebuildTarget: down })).get();
    expect(status).toMatchObject({ index: { reachable: false }, rebuild: { active: false }, library: { images: 10 } });
  });
});
