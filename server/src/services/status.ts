import type { Core } from '@strapi/strapi';
import type { IndexStatus } from '../contracts/http';
import { UnavailableError } from '../errors/pipeline-errors';
import { createIndexStateRepository } from '../strapi-data/index-state';
import { createFileRecords } from '../strapi-data/file-records';
import { getService } from '../utils/get-service';

/** Index status for the admin page: library size, what is indexed, what waits in the outbox. */
const RECENT_FAILURES = 20;

export default ({ strapi }: { strapi: Core.Strapi }) => {
  const files = createFileRecords(strapi);
  const states = createIndexStateRepository(strapi);
  return {
    async get(): Promise<IndexStatus> {
      const pipeline = getService(strapi, 'pipeline');
      const store = pipeline.storeIfReady();
      const [images, maxId, outbox, failed, recent, lag] = await Promise.all([
        files.countImages(),
        files.maxId(),
        pipeline.outbox().pendingStats(),
        states.countFailed(),
        states.recentFailures(RECENT_FAILURES),
        pipeline.consumerLag(),
      ]);
      const names = await files.findMany(recent.map((failure) => failure.fileId));
      // A Milvus that stops answering shows as unreachable, like one that never connected.
      const unreachable = (error: unknown) => (error instanceof UnavailableError ? undefined : Promise.reject(error));
      const stats = store && (await store.stats(maxId).catch(unreachable));
      const target = store && (await store.rebuildTarget().catch(unreachable));
      const rebuilt = target && (await target.stats(maxId).catch(unreachable));
      return {
        model: pipeline.model().id,
        library: { images },
        index: stats
          ? { reachable: true, collection: store.collection, files: stats.fileIds.size, vectors: stats.vectors, pending: Math.max(0, images - stats.fileIds.size - failed) }
          : { reachable: false },
        failures: {
          count: failed,
          recent: recent.map(({ fileId, reason, eventTime }) => ({ fileId, name: names.get(fileId)?.name ?? null, reason: reason ?? '', at: eventTime })),
        },
        outbox,
        worker: { inProcess: pipeline.config().worker.inProcess, running: pipeline.workerRunning(), lag },
        rebuild: rebuilt ? { active: true, files: rebuilt.fileIds.size } : { active: false },
      };
    },
  };
};
