import type { IndexStatus } from '../contracts/http';
import { UnavailableError } from '../errors/pipeline-errors';
import { runtimeOf, type Runtime } from '../runtime/runtime';
import type { Core } from '@strapi/strapi';

/** Failures listed on the status page. */
const RECENT_FAILURES = 20;

export type StatusDeps = Pick<Runtime, 'config' | 'model' | 'files' | 'states' | 'outbox' | 'storeIfReady' | 'consumerLag' | 'workerRunning' | 'duplicateScanner'>;

/** Index status for the admin page: library size, what is indexed, what waits in the outbox. Counts only: nothing walks the library. */
export function createStatusService({ config, model, files, states, outbox, storeIfReady, consumerLag, workerRunning, duplicateScanner }: StatusDeps) {
  return {
    async get(): Promise<IndexStatus> {
      const store = storeIfReady();
      const counted = states.countIndexed();
      const [images, indexed, pending, failed, recent, lag, scan] = await Promise.all([
        files.countImages(),
        counted,
        outbox.pendingStats(),
        states.countFailed(),
        states.recentFailures(RECENT_FAILURES),
        consumerLag(),
        counted.then((indexedFiles) => duplicateScanner.status(indexedFiles)),
      ]);
      const names = await files.findMany(recent.map((failure) => failure.fileId));
      // A Milvus that stops answering shows as unreachable, like one that never connected.
      const unreachable = (error: unknown) => (error instanceof UnavailableError ? undefined : Promise.reject(error));
      const vectors = store && (await store.countRows().catch(unreachable));
      const target = store && (await store.rebuildTarget().catch(unreachable));
      const rebuilt = target && (await target.countRows().catch(unreachable));
      return {
        model: model.id,
        library: { images },
        index:
          vectors !== undefined
            ? {
                reachable: true,
                collection: store!.collection,
                files: indexed,
                vectors,
                pending: Math.max(0, images - indexed - failed),
              }
          : { reachable: false },
        failures: {
          count: failed,
          recent: recent.map(({ fileId, reason, eventTime }) => ({ fileId, name: names.get(fileId)?.name ?? null, reason: reason ?? '', at: eventTime })),
        },
        outbox: pending,
        worker: { inProcess: config.worker.inProcess, running: workerRunning(), lag },
        rebuild: typeof rebuilt === 'number' ? { active: true, vectors: rebuilt } : { active: false },
        duplicateScan: scan,
      };
    },
  };
}

export type StatusService = ReturnType<typeof createStatusService>;

export default ({ strapi }: { strapi: Core.Strapi }) => createStatusService(runtimeOf(strapi));
