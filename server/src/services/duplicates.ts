import type { Core } from '@strapi/strapi';
import { errors } from '@strapi/utils';
import { createUsageRepository } from '../capture/usage';
import { MEDIA_EVENT_TYPES } from '../contracts/events';
import type {
  DismissDuplicates,
  DuplicateGroup,
  DuplicateNoticeView,
  DuplicatesQuery,
  DuplicatesResponse,
  ResolveDuplicates,
  ResolveReport,
} from '../contracts/http';
import { createIndexStateRepository } from '../index-state/repository';
import { groupDuplicates, suggestKeeper, type SimilarPair } from '../duplicates/grouping';
import { createNotDuplicatesRepository } from '../duplicates/not-duplicates';
import { createFileRecords, FILE_UID } from '../search/file-records';
import { dedupeByFile, toSimilarity } from '../search/paging';
import { scopePartitions } from '../search/scope';
import { getService } from '../utils/get-service';
import { mapConcurrently } from '../utils/map-concurrently';

/** Neighbours looked at per file: a duplicate group larger than this still forms, through chains of pairs. */
const NEIGHBOURS = 16;
/** Milvus searches in flight while scanning the library. */
const SCAN_CONCURRENCY = 4;
/** Upload-time notices shown on the duplicates page. */
const RECENT_NOTICES = 10;

const dot = (x: readonly number[], y: readonly number[]) => x.reduce((sum, value, i) => sum + value * y[i], 0);

/** The duplicates review: groups of near-duplicates across the library, resolving them, and "not duplicates". */
export default ({ strapi }: { strapi: Core.Strapi }) => {
  const files = createFileRecords(strapi);
  const usage = createUsageRepository(strapi);
  const notDuplicates = createNotDuplicatesRepository(strapi);
  const states = createIndexStateRepository(strapi);
  const pipeline = () => getService(strapi, 'pipeline');

  /** The records of files an editor named; any that does not exist is a 404 naming it. */
  async function existingFiles(ids: readonly number[]) {
    const records = await files.findMany(ids);
    const missing = ids.filter((id) => !records.has(id));
    if (missing.length > 0) throw new errors.NotFoundError(`File${missing.length > 1 ? 's' : ''} ${missing.join(', ')} not found`, { missing });
    return records;
  }

  /** Every pair of indexed files at or above the threshold, from one nearest-neighbour search per file. */
  async function similarPairs(vectors: Map<number, number[]>, threshold: number, partitions?: string[]): Promise<SimilarPair[]> {
    const store = pipeline().store();
    const pairs = new Map<string, SimilarPair>();
    await mapConcurrently([...vectors], SCAN_CONCURRENCY, async ([fileId, vector]) => {
      const rows = await store.search({ vector, limit: NEIGHBOURS, partitions, excludeFileId: fileId, consistency: 'Bounded' });
      for (const hit of dedupeByFile(rows.map((row) => ({ fileId: row.fileId, similarity: toSimilarity(row.score) })))) {
        if (hit.similarity < threshold || !vectors.has(hit.fileId)) continue;
        const [a, b] = fileId < hit.fileId ? [fileId, hit.fileId] : [hit.fileId, fileId];
        pairs.set(`${a}:${b}`, { a, b, similarity: hit.similarity });
      }
    });
    return [...pairs.values()];
  }

  return {
    async groups(query: DuplicatesQuery): Promise<DuplicatesResponse> {
      const threshold = query.threshold ?? pipeline().config().search.duplicateThreshold;
      const store = pipeline().store();
      const partitions = await scopePartitions(strapi, store, query.contentType);

      const vectors = partitions && partitions.length === 0 ? new Map<number, number[]>() : await store.listVectors(await files.maxId(), partitions);
      const clusters = groupDuplicates(await similarPairs(vectors, threshold, partitions), threshold, await notDuplicates.all());
      // Files deleted a moment ago may still have vectors; a group needs two live files.
      const records = await files.findMany(clusters.flat());
      const live = clusters.map((ids) => ids.filter((id) => records.has(id))).filter((ids) => ids.length > 1);

      const total = live.length;
      const start = (query.page - 1) * query.pageSize;
      const page = live.slice(start, start + query.pageSize);
      const usedBy = await usage.entriesUsingFiles(page.flat());
      const data: DuplicateGroup[] = page.map((ids) => {
        const keeper = suggestKeeper(ids.map((id) => records.get(id)!));
        const ordered = [keeper.id, ...ids.filter((id) => id !== keeper.id)];
        return {
          id: ids[0],
          suggestedKeeperId: keeper.id,
          files: ordered.map((id) => ({
            ...records.get(id)!,
            usedBy: usedBy.get(id) ?? [],
            similarity: id === keeper.id ? 1 : toSimilarity(dot(vectors.get(id)!, vectors.get(keeper.id)!)),
          })),
        };
      });
      return {
        data,
        meta: {
          pagination: { page: query.page, pageSize: query.pageSize, total, pageCount: Math.ceil(total / query.pageSize) },
          threshold,
          contentTypes: query.contentType ?? null,
        },
      };
    },

    /**
     * Keeps one file of a group: every entry row referencing a discarded copy (any media field, draft or published,
     * inside components too) is re-pointed to the keeper first, then the copies are deleted, so no entry is ever
     * left pointing at a deleted file. Alt text and caption the keeper lacks are taken from a discarded copy.
     */
    async resolve({ keeperId, discardIds }: ResolveDuplicates): Promise<ResolveReport> {
      const records = await existingFiles([keeperId, ...discardIds]);
      const keeper = records.get(keeperId)!;

      const usages = await usage.entriesUsingFiles(discardIds);
      for (const id of discardIds) await usage.repointFile(id, keeperId);

      const merged: ResolveReport['merged'] = {};
      for (const field of ['alternativeText', 'caption'] as const) {
        const value = keeper[field] ? undefined : discardIds.map((id) => records.get(id)![field]).find(Boolean);
        if (value) merged[field] = value;
      }
      const upload = strapi.plugin('upload').service('upload');
      if (Object.keys(merged).length > 0) await strapi.db.query(FILE_UID).update({ where: { id: keeperId }, data: merged });
      for (const id of discardIds) {
        const row = await strapi.db.query(FILE_UID).findOne({ where: { id } });
        if (row) await upload.remove(row);
      }
      // The keeper may now be used by more content types: its vector moves to their partitions.
      const keeperRow = await strapi.db.query(FILE_UID).findOne({ where: { id: keeperId } });
      await pipeline().recorder().record(MEDIA_EVENT_TYPES.usageChanged, keeperRow);

      return {
        keeperId,
        deleted: discardIds,
        repointed: discardIds.flatMap((id) => (usages.get(id) ?? []).map((entry) => ({ ...entry, fromFileId: id }))),
        merged,
      };
    },

    /** Files whose indexing found near-duplicates, newest first; deleted files drop out. */
    async recent(): Promise<DuplicateNoticeView[]> {
      const notices = await states.recentDuplicates(RECENT_NOTICES);
      const records = await files.findMany(notices.flatMap((notice) => [notice.fileId, ...notice.duplicates.map((d) => d.fileId)]));
      return notices.flatMap((notice) => {
        const file = records.get(notice.fileId);
        const duplicates = notice.duplicates.flatMap((d) => (records.has(d.fileId) ? [{ file: records.get(d.fileId)!, similarity: d.similarity }] : []));
        return file && duplicates.length > 0 ? [{ file, at: notice.eventTime, duplicates }] : [];
      });
    },

    async dismiss({ fileIds }: DismissDuplicates): Promise<{ fileIds: number[]; pairsMarked: number }> {
      await existingFiles(fileIds);
      return { fileIds, pairsMarked: await notDuplicates.mark(fileIds) };
    },
  };
};
