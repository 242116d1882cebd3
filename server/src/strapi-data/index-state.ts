import type { Core } from '@strapi/strapi';
import { INDEX_EVENT_TYPES, type IndexAction, type IndexEvent } from '../contracts/events';
import { INDEX_STATE_UID } from '../content-types';
import { inChunks } from '../utils/in-chunks';
import type { DuplicateKind } from '../contracts/duplicate-kinds';

/** What the workers last reported for each file: one row per file, newest index event wins. */

export type IndexStatusValue = IndexAction | 'failed';

export interface FileIndexState {
  fileId: number;
  status: IndexStatusValue;
  reason: string | null;
  model: string;
  eventTime: string;
}

/** What a worker found when it indexed a file: near-duplicates already in the library. */
export interface DuplicateNotice {
  fileId: number;
  duplicates: Array<{ fileId: number; similarity: number; kind?: DuplicateKind }>;
  eventTime: string;
}

export interface IndexStateRepository {
  /** Stores the event's outcome unless a newer one is already stored (events may be re-delivered); false when stale. */
  record(event: IndexEvent): Promise<boolean>;
  /** The latest near-duplicate notices, newest first. */
  recentDuplicates(limit: number): Promise<DuplicateNotice[]>;
  stateOf(fileId: number): Promise<FileIndexState | null>;
  countFailed(): Promise<number>;
  /** Files the index holds a vector of, by the workers' reports: a count, never a walk of the index. */
  countIndexed(): Promise<number>;
  /** The sha256 of the bytes each of these files was last indexed from, for those that have one. */
  contentHashes(fileIds: readonly number[]): Promise<Map<number, string>>;
  /** Rows written before hasVector existed: a file last indexed or moved has a vector. Idempotent, run at start. */
  upgradeRows(): Promise<void>;
  /** Ids of indexed files above `afterFileId`, ascending: the library's indexed files, page by page. */
  indexedFileIdsAfter(afterFileId: number, limit: number): Promise<number[]>;
  failedFileIds(): Promise<Set<number>>;
  recentFailures(limit: number): Promise<FileIndexState[]>;
}

/**
 * What an event changes about the file's vector. A new vector (or none) makes an earlier notice and content hash
 * stale; a move keeps both; a skip leaves everything as it was, and a failure only drops the notice.
 */
function vectorChange(event: Exclude<IndexEvent, { type: typeof INDEX_EVENT_TYPES.duplicateDetected }>) {
  if (event.type === INDEX_EVENT_TYPES.failed) return { duplicates: null };
  switch (event.data.action) {
    case 'indexed':
      return { duplicates: null, hasVector: true, contentHash: event.data.contentHash ?? null };
    case 'removed':
      return { duplicates: null, hasVector: false, contentHash: null };
    case 'moved':
      return { hasVector: true };
    default:
      return {};
  }
}

const FIELDS = ['fileId', 'status', 'reason', 'model', 'eventTime'] as const;

const toState = (row: Record<string, unknown>): FileIndexState => ({
  fileId: Number(row.fileId),
  status: row.status as IndexStatusValue,
  reason: (row.reason as string | null) ?? null,
  model: String(row.model),
  eventTime: new Date(row.eventTime as string).toISOString(),
});

export function createIndexStateRepository(strapi: Core.Strapi): IndexStateRepository {
  const query = () => strapi.db.query(INDEX_STATE_UID);
  return {
    async record(event) {
      if (event.type === INDEX_EVENT_TYPES.duplicateDetected) {
        // It follows the file's applied event on the same partition, so the row exists; a stale notice loses.
        const current = await query().findOne({ where: { fileId: event.data.fileId }, select: ['id', 'eventTime'] });
        if (current && new Date(current.eventTime as string) <= new Date(event.time)) {
          await query().update({ where: { id: current.id }, data: { duplicates: event.data.duplicates, eventTime: new Date(event.time) } });
          return true;
        }
        return false;
      }
      const failed = event.type === INDEX_EVENT_TYPES.failed;
      const data = {
        fileId: event.data.fileId,
        status: failed ? 'failed' : event.data.action,
        reason: event.data.reason,
        model: event.data.model,
        eventId: event.id,
        eventTime: new Date(event.time),
        ...vectorChange(event),
      };
      const current = await query().findOne({ where: { fileId: data.fileId }, select: ['id', 'eventTime'] });
      if (!current) await query().create({ data });
      else if (new Date(current.eventTime as string) <= data.eventTime) await query().update({ where: { id: current.id }, data });
      else return false;
      return true;
    },

    async stateOf(fileId) {
      const row = await query().findOne({ where: { fileId }, select: [...FIELDS] });
      return row ? toState(row) : null;
    },

    async recentDuplicates(limit) {
      const rows = await query().findMany({ where: { duplicates: { $notNull: true } }, orderBy: { eventTime: 'desc' }, limit, select: ['fileId', 'duplicates', 'eventTime'] });
      return rows.map((row) => ({
        fileId: Number(row.fileId),
        duplicates: row.duplicates as DuplicateNotice['duplicates'],
        eventTime: new Date(row.eventTime as string).toISOString(),
      }));
    },

    countFailed: () => query().count({ where: { status: 'failed' } }),

    countIndexed: () => query().count({ where: { hasVector: true } }),

    async contentHashes(fileIds) {
      const rows = await inChunks(fileIds, (chunk) => query().findMany({ where: { fileId: { $in: chunk }, contentHash: { $notNull: true } }, select: ['fileId', 'contentHash'] }));
      return new Map(rows.map((row) => [Number(row.fileId), String(row.contentHash)]));
    },

    async upgradeRows() {
      await query().updateMany({ where: { status: { $in: ['indexed', 'moved'] }, $or: [{ hasVector: false }, { hasVector: { $null: true } }] }, data: { hasVector: true } });
    },

    async indexedFileIdsAfter(afterFileId, limit) {
      const rows = await query().findMany({ where: { hasVector: true, fileId: { $gt: afterFileId } }, orderBy: { fileId: 'asc' }, limit, select: ['fileId'] });
      return rows.map((row) => Number(row.fileId));
    },

    async failedFileIds() {
      const rows = await query().findMany({ where: { status: 'failed' }, select: ['fileId'] });
      return new Set(rows.map((row) => Number(row.fileId)));
    },

    async recentFailures(limit) {
      const rows = await query().findMany({ where: { status: 'failed' }, orderBy: { eventTime: 'desc' }, limit, select: [...FIELDS] });
      return rows.map(toState);
    },
  };
}
