import { errors } from '@strapi/utils';
import type { ModelSpec } from '../embedding/models';
import { MEDIA_EVENT_TYPES } from '../contracts/events';
import type { ReconcileReport } from '../contracts/http';
import { ConflictError } from '../errors/http-errors';
import type { Recorder } from '../capture/recorder';
import type { FileRecords } from '../strapi-data/file-records';
import type { IndexStateRepository } from '../strapi-data/index-state';
import { LeaseTakenError, type Leases } from '../strapi-data/leases';
import type { MediaUsage } from '../strapi-data/media-usage';
import { partitionsForFile } from '../vector-store/partitions';
import type { IndexCollection, VectorStore } from '../vector-store/types';

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

export interface Reconciler {
  /**
   * One run per index at a time, across Strapi instances: a second caller gets a 409 rather than queueing every
   * missing file again.
   */
  reconcile(options: ReconcileOptions): Promise<ReconcileReport>;
}

const sameSet = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((item) => b.includes(item));

/**
 * Compares Strapi's files with an index and repairs the drift events cannot report: a crash between a file's commit
 * and its outbox write, a lost usage change, vectors of files deleted behind the plugin's back. Repairs go through
 * the outbox like any change (so per-file order holds), except orphan vectors, whose file no longer exists to key an
 * event: those are deleted directly. Folder moves need nothing: vectors do not depend on folders.
 */
export function createReconciler(deps: {
  files: FileRecords;
  usage: MediaUsage;
  states: IndexStateRepository;
  recorder: Pick<Recorder, 'record'>;
  leases: Leases;
  model: ModelSpec;
  store: () => VectorStore;
}): Reconciler {
  const { files, usage, states, recorder, leases, model } = deps;

  async function compare(store: Pick<IndexCollection, 'collection' | 'indexedPartitions' | 'deleteFile'>, { graceMs, retryFailed }: ReconcileOptions): Promise<ReconcileReport> {
    const failed = retryFailed ? new Set<number>() : await states.failedFileIds();
    const indexed = await store.indexedPartitions(await files.maxId());
    const cutoff = Date.now() - graceMs;
    const report: ReconcileReport = { checked: 0, queued: 0, moved: 0, orphansDeleted: 0, indexed: 0, failed: 0, recent: 0 };
    const images = new Set<number>();

    for (let afterId = 0; ; ) {
      const rows = await files.imageRowsAfter(afterId, PAGE);
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
            await recorder.record(MEDIA_EVENT_TYPES.reindexRequested, row);
            report.queued++;
          }
        } else {
          const contentTypes = [...new Set((usages.get(id) ?? []).map((entry) => entry.contentType))].sort();
          if (sameSet(indexed.get(id)!, partitionsForFile(contentTypes))) report.indexed++;
          else {
            await recorder.record(MEDIA_EVENT_TYPES.usageChanged, row, contentTypes);
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

  return {
    async reconcile(options) {
      const { target, model: other } = options;
      const store = target ?? (other && other !== model.id ? await deps.store().modelCollection(other) : deps.store());
      if (!store) throw new errors.NotFoundError(`No index for model ${other}: start workers configured with that model first, they create it`);
      try {
        return await leases.exclusive([`reconcile:${store.collection}`], () => compare(store, options));
      } catch (error) {
        if (error instanceof LeaseTakenError) throw new ConflictError(`A reconciliation of ${store.collection} is already running; try again once it is done`, { running: true });
        throw error;
      }
    },
  };
}
