import type { IndexStatus } from '../contracts/http';
import { UnavailableError } from '../errors/pipeline-errors';
import { runtimeOf, type Runtime } from '../runtime/runtime';
import type { Core } from '@strapi/strapi';

/** Failures listed on the status page. */
const RECENT_FAILURES = 20;

export type StatusDeps = Pick<Runtime, 'config' | 'model' | 'files' | 'states' | 'outbox' | 'storeIfReady' | 'consumerLag' | 'workerRunning'>;

/** Index status for the admin page: library size, what is indexed, what waits in the outbox. */
export function createStatusService({ config, model, files, states, outbox, storeIfReady, consumerLag, workerRunning }: StatusDeps) {
  return {
    async get(): Promise<IndexStatus> {
      const store = storeIfReady();
      const [images, maxId, pending, failed, recent, lag] = await Promise.all([
        files.countImages(),
        files.maxId(),
        outbox.pendingStats(),
        states.countFailed(),
        states.recentFailures(RECENT_FAILURES),
        consumerLag(),
      ]);
      const names = await files.findMany(recent.map((failure) => failure.fileId));
      // A Milvus that stops answering shows as unreachable, like one that never connected.
      const unreachable = (error: unknown) => (error instanceof UnavailableError ? undefined : Promise.reject(error));
      const stats = store && (await store.stats(maxId).catch(unreachable));
      const target = store && (await store.rebuildTarget().catch(unreachable));
      const rebuilt = target && (await target.stats(maxId).catch(unreachable));
      return {
        model: model.id,
        library: { images },
        index: stats
          ? {
              reachable: true,
              collection: store.collection,
              files: stats.fileIds.size,
              vectors: stats.vectors,
              pending: Math.max(0, images - stats.fileIds.size - failed),
            }
          : { reachable: false },
        failures: {
          count: failed,
          recent: recent.map(({ fileId, reason, eventTime }) => ({ fileId, name: names.get(fileId)?.name ?? null, reason: reason ?? '', at: eventTime })),
        },
        outbox: pending,
        worker: { inProcess: config.worker.inProcess, running: workerRunning(), lag },
        rebuild: rebuilt ? { active: true, files: rebuilt.fileIds.size } : { active: false },
      };
    },
  };
}

export type StatusService = ReturnType<typeof createStatusService>;

export default ({ strapi }: { strapi: Core.Strapi }) => createStatusService(runtimeOf(strapi));
