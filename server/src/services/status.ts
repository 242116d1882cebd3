import type { Core } from '@strapi/strapi';
import type { IndexStatus } from '../contracts/http';
import { createFileRecords } from '../search/file-records';
import { getService } from '../utils/get-service';

/** Index status for the admin page: library size, what is indexed, what waits in the outbox. */
export default ({ strapi }: { strapi: Core.Strapi }) => {
  const files = createFileRecords(strapi);
  return {
    async get(): Promise<IndexStatus> {
      const pipeline = getService(strapi, 'pipeline');
      const store = pipeline.storeIfReady();
      const [images, maxId, outbox] = await Promise.all([files.countImages(), files.maxId(), pipeline.outbox().pendingStats()]);
      return {
        model: pipeline.config().model.id,
        library: { images },
        index: store ? { reachable: true, collection: store.collection, ...(await store.stats(maxId)) } : { reachable: false },
        outbox,
        worker: { inProcess: pipeline.config().worker.inProcess, running: pipeline.workerRunning() },
      };
    },
  };
};
