import type { Core } from '@strapi/strapi';
import { MEDIA_EVENT_TYPES } from '../contracts/events';
import type { ReindexReport } from '../contracts/http';
import { createFileRecords, FILE_UID } from '../search/file-records';
import { getService } from '../utils/get-service';

/** Image files read per database page while looking for what the index lacks. */
const PAGE = 500;

/**
 * Backfill: every image of the library that the current model's index lacks (uploaded before the plugin, or
 * indexed by another model) gets a reindex-requested event through the outbox, like any other change. The status
 * page follows progress through the index counts.
 */
export default ({ strapi }: { strapi: Core.Strapi }) => ({
  async backfill(): Promise<ReindexReport> {
    const pipeline = getService(strapi, 'pipeline');
    const store = pipeline.store();
    const files = strapi.db.query(FILE_UID);
    const { fileIds: indexed } = await store.stats(await createFileRecords(strapi).maxId());
    let queued = 0;
    let alreadyIndexed = 0;
    for (let afterId = 0; ; ) {
      const rows = await files.findMany({ where: { id: { $gt: afterId }, mime: { $startsWith: 'image/' } }, orderBy: { id: 'asc' }, limit: PAGE });
      if (rows.length === 0) break;
      for (const row of rows) {
        if (indexed.has(row.id as number)) alreadyIndexed++;
        else {
          await pipeline.recorder().record(MEDIA_EVENT_TYPES.reindexRequested, row);
          queued++;
        }
      }
      afterId = rows[rows.length - 1].id as number;
    }
    return { queued, indexed: alreadyIndexed };
  },
});
