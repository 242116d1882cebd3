import type { Core } from '@strapi/strapi';
import { errors } from '@strapi/utils';
import { createMediaUsage } from '../strapi-data/media-usage';
import { MEDIA_EVENT_TYPES } from '../contracts/events';
import type { ReconcileReport } from '../contracts/http';
import { LeaseTakenError } from '../strapi-data/leases';
import { errorMessage } from '../errors/pipeline-errors';
import { ConflictError } from '../errors/http-errors';
import { createIndexStateRepository } from '../strapi-data/index-state';
import { prefixed } from '../utils/logger';
import { createFileRecords, FILE_UID } from '../strapi-data/file-records';
import { getService } from '../utils/get-service';
import { repeatEvery } from '../utils/repeat-every';
import type { IndexCollection } from '../vector-store/milvus-store';
import { partitionsForFile } from '../vector-store/partitions';

/** Image files read per database page. */
const PAGE = 500;

export interface ReconcileOptions {
  /** Files changed more recently than this are left alone: their events may still be on their way. */
  graceMs: number;
  /** Re-queue files the workers reported as failed (a manual run), or leave them marked failed (the schedule). */
  retryFailed: boolean;
  /** The collection to compare with: the serving one, or one being rebuilt. */
  target?: IndexCollection;
  /** Or another model's index (which its own workers fill). */
  model?: string;
}

const sameSet = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((item) => b.includes(item));

/**
 * Compares Strapi's files with the current model's index and repairs the drift events cannot report: a crash
 * between a file's commit and its outbox write, a lost usage change, vectors of files deleted behind the plugin's
 * back. Repairs go through the outbox like any change (so per-file order holds), except orphan vectors, whose
 * file no longer exists to key an event: those are deleted directly. Folder moves need nothing: vectors do not
 * depend on folders.
 */
export default ({ strapi }: { strapi: Core.Strapi }) => {
  const usage = createMediaUsage(strapi);
  const states = createIndexStateRepository(strapi);
  const logger = prefixed(strapi.log, '[image-search]');
  let cancelSchedule: (() => void) | undefined;

  /** One comparison of Strapi's image files with one index, and its repairs. */
  async function compare(store: IndexCollection, { graceMs, retryFailed }: ReconcileOptions): Promise<ReconcileReport> {
    const pipeline = getService(strapi, 'pipeline');
    const failed = retryFailed ? new Set<number>() : await states.failedFileIds();
    const indexed = await store.indexedPartitions(await createFileRecords(strapi).maxId());
    const cutoff = Date.now() - graceMs;
    const report: ReconcileReport = {
      checked: 0,
      queued: 0,
      moved: 0,
      orphansDeleted: 0,
      indexed: 0,
      failed: 0,
      recent: 0,
    };
    const images = new Set<number>();

    for (let afterId = 0; ; ) {
      const rows = await strapi.db.query(FILE_UID).findMany({
        where: { id: { $gt: afterId }, mime: { $startsWith: 'image/' } },
        orderBy: { id: 'asc' },
        limit: PAGE,
      });
      if (rows.length === 0) break;
      const usages = await usage.entriesUsingFiles(rows.map((row) => row.id as number));
      for (const row of rows) {
        const id = row.id as number;
        images.add(id);
        report.checked++;
        if (new Date(row.updatedAt as string).getTime() > cutoff) report.recent++;
        else if (!indexed.has(id)) {
          if (failed.has(id)) report.failed++;
          else {
            await pipeline.recorder().record(MEDIA_EVENT_TYPES.reindexRequested, row);
            report.queued++;
          }
        } else {
          const contentTypes = [...new Set((usages.get(id) ?? []).map((entry) => entry.contentType))].sort();
          if (sameSet(indexed.get(id)!, partitionsForFile(contentTypes))) report.indexed++;
          else {
            await pipeline.recorder().record(MEDIA_EVENT_TYPES.usageChanged, row, contentTypes);
            report.moved++;
          }
        }
      }
      afterId = rows[rows.length - 1].id as number;
    }

    for (const fileId of indexed.keys()) {
      if (images.has(fileId)) continue;
      await store.deleteFile(fileId);
      report.orphansDeleted++;
    }
    return report;
  }

  const service = {
    /**
     * One run per index at a time, across Strapi instances: a second caller gets a 409 rather than queueing every
     * missing file again.
     */
    async reconcile(options: ReconcileOptions): Promise<ReconcileReport> {
      const pipeline = getService(strapi, 'pipeline');
      const { target, model } = options;
      const store = target ?? (model && model !== pipeline.model().id ? await pipeline.store().modelCollection(model) : pipeline.store());
      if (!store) throw new errors.NotFoundError(`No index for model ${model}: start workers configured with that model first, they create it`);
      try {
        return await pipeline.leases().exclusive([`reconcile:${store.collection}`], () => compare(store, options));
      } catch (error) {
        if (error instanceof LeaseTakenError) throw new ConflictError(`A reconciliation of ${store.collection} is already running; try again once it is done`, { running: true });
        throw error;
      }
    },

    /** Runs `reconcile` every `intervalHours` (config), one run at a time, until `stopSchedule`. */
    startSchedule(): void {
      const { intervalHours, graceMinutes } = getService(strapi, 'pipeline').config().reconcile;
      if (intervalHours === 0 || cancelSchedule) return;
      cancelSchedule = repeatEvery(
        intervalHours * 3_600_000,
        async () => logger.info(`scheduled reconciliation: ${JSON.stringify(await service.reconcile({ graceMs: graceMinutes * 60_000, retryFailed: false }))}`),
        (error) =>
          error instanceof ConflictError
            ? logger.info(`scheduled reconciliation skipped: one is running already (another Strapi instance's, or a manual one)`)
            : logger.warn(`scheduled reconciliation failed, next in ${intervalHours} h: ${errorMessage(error)}`)
      );
    },

    stopSchedule(): void {
      cancelSchedule?.();
      cancelSchedule = undefined;
    },
  };
  return service;
};
