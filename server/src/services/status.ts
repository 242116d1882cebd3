import type { IndexSpace, IndexStatus, WhiteningFit } from '../contracts/http';
import type { SpaceFit } from '../strapi-data/space-fits';
import type { Space } from '../whitening/projection';
import { UnavailableError } from '../errors/pipeline-errors';
import { runtimeOf, type Runtime } from '../runtime/runtime';
import type { Core } from '@strapi/strapi';

/** Failures listed on the status page. */
const RECENT_FAILURES = 20;
/** A fit still `learning` that has not moved for this long was left by an instance that stopped. */
const FIT_STALE_MS = 2 * 60_000;

export type StatusDeps = Pick<
  Runtime,
  'config' | 'model' | 'files' | 'states' | 'outbox' | 'storeIfReady' | 'space' | 'spaceLearner' | 'consumerLag' | 'workerRunning' | 'duplicateScanner'
>;

function fitView(fit: SpaceFit | null): WhiteningFit | null {
  if (!fit) return null;
  const stale = fit.state === 'learning' && Date.now() - Date.parse(fit.updatedAt) > FIT_STALE_MS;
  return { state: stale ? 'interrupted' : fit.state, done: fit.done, total: fit.total, reason: fit.reason, finishedAt: fit.finishedAt };
}

/** Index status for the admin page: library size, what is indexed, what waits in the outbox. Counts only: nothing walks the library. */
export function createStatusService({ config, model, files, states, outbox, storeIfReady, space, spaceLearner, consumerLag, workerRunning, duplicateScanner }: StatusDeps) {
  const spaceView = ({ id, dim, projection, thresholds }: Space): IndexSpace => ({
    id,
    dim,
    learnedFrom: projection?.fittedOn.images ?? null,
    learnedAt: projection?.fittedOn.at ?? null,
    thresholds: { duplicate: config.search.duplicateThreshold ?? thresholds.duplicate, search: config.search.threshold ?? thresholds.search },
  });

  return {
    async get(): Promise<IndexStatus> {
      const store = storeIfReady();
      // A Milvus that stops answering shows as unreachable, like one that never connected.
      const unreachable = (error: unknown) => (error instanceof UnavailableError ? undefined : Promise.reject(error));
      const serving = store ? space().catch(unreachable) : Promise.resolve(undefined);
      const counted = states.countIndexed();
      const [images, indexed, pending, failed, recent, lag, scan, fit] = await Promise.all([
        files.countImages(),
        counted,
        outbox.pendingStats(),
        states.countFailed(),
        states.recentFailures(RECENT_FAILURES),
        consumerLag(),
        Promise.all([counted, serving]).then(([indexedFiles, current]) => duplicateScanner.status(indexedFiles, current ?? null)),
        spaceLearner.latest().then(fitView),
      ]);
      const names = await files.findMany(recent.map((failure) => failure.fileId));
      const vectors = store && (await store.countRows().catch(unreachable));
      const current = await serving;
      const target = store && (await store.rebuildTarget().catch(unreachable));
      const rebuilt = target && (await target.countRows().catch(unreachable));
      const learning = fit?.state === 'learning' ? { done: fit.done, total: fit.total } : null;
      return {
        model: model.id,
        library: { images },
        index:
          vectors !== undefined && current
            ? {
                reachable: true,
                collection: store!.collection,
                files: indexed,
                vectors,
                pending: Math.max(0, images - indexed - failed),
                space: spaceView(current),
              }
          : { reachable: false },
        failures: {
          count: failed,
          recent: recent.map(({ fileId, reason, eventTime }) => ({ fileId, name: names.get(fileId)?.name ?? null, reason: reason ?? '', at: eventTime })),
        },
        outbox: pending,
        worker: { inProcess: config.worker.inProcess, running: workerRunning(), lag },
        rebuild: typeof rebuilt === 'number' ? { active: true, vectors: rebuilt, learning: null } : learning ? { active: true, vectors: 0, learning } : { active: false },
        whitening: fit,
        duplicateScan: scan,
      };
    },
  };
}

export type StatusService = ReturnType<typeof createStatusService>;

export default ({ strapi }: { strapi: Core.Strapi }) => createStatusService(runtimeOf(strapi));
