import type { Core } from '@strapi/strapi';
import { contentTypes, errors } from '@strapi/utils';
import { toEntryUsage } from '../strapi-data/media-usage';
import { buildDismissedEvent, buildResolvedEvent } from '../capture/event-builder';
import { isImage, MEDIA_EVENT_TYPES } from '../contracts/events';
import {
  SEARCH_LIMITS,
  type DismissDuplicates,
  type DismissReport,
  type DuplicateGroup,
  type DuplicateNoticeView,
  type DuplicatePairMatch,
  type DuplicatePairQuery,
  type DuplicatesQuery,
  type DuplicatesResponse,
  type FileSummary,
  type ResolveDuplicates,
  type ResolveReport,
} from '../contracts/http';
import { LeaseTakenError } from '../strapi-data/leases';
import { isDuplicate, pairSimilarity } from '../similarity/duplicate-decision';
import { groupDuplicates } from '../similarity/grouping';
import { keeperOfGroup, keeperRanks } from '../similarity/keeper-rules';
import { assertMayMerge, type UserAbility } from '../access/merge-rights';
import { visibilityFor, type Audience } from '../access/visibility';
import { pairKey, type MarkDecision } from '../strapi-data/not-duplicates';
import { ConflictError, UnprocessableEntityError } from '../errors/http-errors';
import { fitsMediaField } from '../similarity/mime';
import { runtimeOf, type Runtime } from '../runtime/runtime';
import { assertKnownContentTypes } from '../similarity/scope';
import { inChunks } from '../utils/in-chunks';
import { matchedShares } from '../verification/matched-shares';

/** Upload-time notices shown on the duplicates page. */
const RECENT_NOTICES = 10;
/** How a 422 names an editor's mark. */
const MARK_WORDING: Record<MarkDecision, string> = { 'not-duplicates': 'not duplicates', 'keep-both': 'copies to keep both of' };

export type DuplicatesDeps = Pick<Runtime, 'config' | 'files' | 'usage' | 'notDuplicates' | 'graph' | 'states' | 'store' | 'space' | 'leases' | 'recorder' | 'decisionIn' | 'verifier'>;

/** The duplicates review: groups of near-duplicates across the library, resolving them, and "not duplicates". */
export function createDuplicatesService(
  strapi: Core.Strapi,
  { config, files, usage, notDuplicates, graph, states, store, space, leases, recorder, decisionIn, verifier }: DuplicatesDeps
) {
  const { keeperRules, duplicateKinds: countedKinds } = config.search;

  /** The files among `ids` that entries of these content types use (directly or through components). */
  async function filesUsedBy(contentTypes: readonly string[], ids: number[]): Promise<Set<number>> {
    const wanted = new Set(contentTypes);
    const used = await inChunks(ids, async (chunk) => [...(await usage.entriesUsingFiles(chunk))].filter(([, entries]) => entries.some((entry) => wanted.has(entry.contentType))));
    return new Set(used.map(([id]) => id));
  }

  const notFound = (missing: number[]) => new errors.NotFoundError(`File${missing.length > 1 ? 's' : ''} ${missing.join(', ')} not found`, { missing });

  /** The records of files an editor named; any that does not exist is a 404 naming it. */
  async function existingFiles(ids: readonly number[]) {
    const records = await files.findMany(ids);
    const missing = ids.filter((id) => !records.has(id));
    if (missing.length > 0) throw notFound(missing);
    return records;
  }

  function assertImages(ids: readonly number[], records: Map<number, FileSummary>): void {
    const notImages = ids.filter((id) => !isImage(records.get(id)!.mime));
    if (notImages.length > 0) {
      const named = notImages.map((id) => `${id} (${records.get(id)!.mime ?? 'unknown type'})`).join(', ');
      throw new UnprocessableEntityError(`Only images can be duplicates; not file${notImages.length > 1 ? 's' : ''} ${named}`, { fileIds: notImages });
    }
  }

  const unreadable = (a: number, b: number) => new ConflictError(`File ${b} or ${a} cannot be read to verify that they are copies; try again shortly`, { fileIds: [a, b] });

  /** Each discarded file must be a duplicate of the keeper by the duplicate decision, computed here, now (both stages). */
  async function assertDuplicatesOfKeeper(keeperId: number, discardIds: readonly number[], records: Map<number, FileSummary>): Promise<void> {
    assertImages([keeperId, ...discardIds], records);
    const served = await store().serving();
    const decision = decisionIn(served.space);
    const vectors = new Map(await Promise.all([keeperId, ...discardIds].map(async (id) => [id, await served.getVector(id)] as const)));
    const unindexed = [...vectors].filter(([, vector]) => !vector).map(([id]) => id);
    if (unindexed.length > 0) throw new ConflictError(`File${unindexed.length > 1 ? 's' : ''} ${unindexed.join(', ')} not indexed yet, so not known to be duplicates; try again shortly`, { fileIds: unindexed });
    const pairs = discardIds.map((id) => ({ a: keeperId, b: id }));
    const dismissed = await notDuplicates.markedAmong(pairs, await states.contentHashes([keeperId, ...discardIds]));
    for (const id of discardIds) {
      const similarity = pairSimilarity(vectors.get(keeperId)!, vectors.get(id)!);
      const mark = dismissed.get(pairKey(keeperId, id));
      if (mark) throw new UnprocessableEntityError(`Files ${keeperId} and ${id} were marked as ${MARK_WORDING[mark]}`, { fileId: id, decision: mark });
      const judgement = await decision.judge(keeperId, id, similarity);
      if (!judgement) throw unreadable(keeperId, id);
      if (!judgement.duplicate) {
        throw new UnprocessableEntityError(`File ${id} is not a duplicate of file ${keeperId}: ${judgement.reason}`, {
          fileId: id,
          similarity,
          threshold: decision.threshold,
          kind: judgement.kind,
        });
      }
    }
  }

  /** The keeper must be a file every field holding a copy accepts (the field's allowedTypes). */
  async function assertKeeperFits(keeper: FileSummary, discardIds: readonly number[]): Promise<void> {
    for (const slot of await usage.mediaSlots(discardIds)) {
      const model = strapi.getModel(slot.model as never) as { attributes: Record<string, { allowedTypes?: string[] }> } | undefined;
      const attribute = model?.attributes[slot.attribute];
      if (!fitsMediaField(keeper.mime, attribute?.allowedTypes)) {
        throw new UnprocessableEntityError(
          `File ${keeper.id} (${keeper.mime ?? 'unknown type'}) cannot replace file ${slot.fileId} in ${slot.model} ${slot.attribute}, which takes ${attribute?.allowedTypes?.join(', ')} only`,
          { fileId: slot.fileId, model: slot.model, attribute: slot.attribute, allowedTypes: attribute?.allowedTypes }
        );
      }
    }
  }

  async function merge(keeperId: number, discardIds: number[], ability: UserAbility): Promise<ResolveReport> {
    const records = await existingFiles([keeperId, ...discardIds]);
    const keeper = records.get(keeperId)!;
    const usages = await usage.entryRowsUsingFiles(discardIds);
    const changed = [...usages.values()].flat().map((row) => ({ contentType: row.contentType, rowId: row.rowId, published: row.status === 'published' && hasDraftAndPublish(row.contentType) }));
    await assertMayMerge(strapi, ability, { fileIds: [keeperId, ...discardIds], rows: changed });
    await assertDuplicatesOfKeeper(keeperId, discardIds, records);
    await assertKeeperFits(keeper, discardIds);

    for (const id of discardIds) await usage.repointFile(id, keeperId);
    const merged: ResolveReport['merged'] = {};
    for (const field of ['alternativeText', 'caption'] as const) {
      const value = keeper[field] ? undefined : discardIds.map((id) => records.get(id)![field]).find(Boolean);
      if (value) merged[field] = value;
    }
    if (Object.keys(merged).length > 0) await files.updateText(keeperId, merged);
    // The Upload plugin deletes the copies, so its own lifecycles and providers run (and the delete events follow).
    const upload = strapi.plugin('upload').service('upload');
    const deletedRows = [];
    for (const id of discardIds) {
      const row = await files.findRow(id);
      if (!row) continue;
      await upload.remove(row);
      deletedRows.push(row);
    }
    const repointed = discardIds.flatMap((id) => (usages.get(id) ?? []).map((row) => ({ ...toEntryUsage(row), fromFileId: id })));
    // The keeper may now be used by more content types: its vector moves to their partitions.
    const keeperRow = await files.findRow(keeperId);
    if (keeperRow) {
      await recorder.record(MEDIA_EVENT_TYPES.usageChanged, keeperRow);
      if (deletedRows.length > 0) await recorder.recordDecision(buildResolvedEvent(keeperRow, deletedRows, repointed.map(({ title: _, ...entry }) => entry)));
    }
    return { keeperId, deleted: discardIds, repointed, merged };
  }

  const hasDraftAndPublish = (uid: string) => contentTypes.hasDraftAndPublish(strapi.getModel(uid as never) as never);

  return {
    /**
     * One page of groups, read from the duplicate graph: the cost follows the number of pairs, never the size of
     * the library, and Milvus is not asked.
     */
    async groups(query: DuplicatesQuery, audience: Audience): Promise<DuplicatesResponse> {
      const mergeThreshold = decisionIn(await space()).threshold;
      const threshold = query.threshold ?? mergeThreshold;
      if (threshold < mergeThreshold) {
        throw new errors.ValidationError(`threshold must be at least ${mergeThreshold}, the duplicate threshold the duplicate graph is kept at`, {
          param: 'threshold',
          minimum: mergeThreshold,
        });
      }
      if (query.contentType) assertKnownContentTypes(strapi, query.contentType);
      const stored = (await graph.pairs(threshold)).filter((pair) => isDuplicate(pair.similarity, threshold));
      const ids = [...new Set(stored.flatMap((pair) => [pair.a, pair.b]))];
      // Files deleted a moment ago may still have pairs: only live files, in scope, form groups.
      const records = new Map((await inChunks(ids, (chunk) => files.findMany(chunk).then((found) => [...found]))));
      const inScope = query.contentType ? await filesUsedBy(query.contentType, [...records.keys()]) : undefined;
      const kept = (id: number) => records.has(id) && (!inScope || inScope.has(id));
      const pairs = stored.filter((pair) => kept(pair.a) && kept(pair.b));
      const similarity = new Map(pairs.map((pair) => [pairKey(pair.a, pair.b), pair.similarity]));
      const kinds = new Map(pairs.map((pair) => [pairKey(pair.a, pair.b), pair.kind ?? null]));
      const dismissed = await notDuplicates.markedAmong(pairs, await states.contentHashes([...records.keys()]));
      const rank = keeperRanks(records.values(), keeperRules);
      const groups = groupDuplicates(pairs, threshold, dismissed, (a, b) => rank.get(a)! - rank.get(b)!);

      const total = groups.length;
      const start = (query.page - 1) * query.pageSize;
      const page = groups.slice(start, start + query.pageSize);
      // Files the user may not read in the Media Library drop out of their group.
      const shown = new Map((await (await visibilityFor(strapi, usage, audience)).reveal(page.flat().map((id) => records.get(id)!))).map((file) => [file.id, file]));
      // Two members are known copies when the graph holds their pair: the keeper must be one of every other member.
      const duplicates = (a: number, b: number) => !dismissed.has(pairKey(a, b)) && similarity.has(pairKey(a, b));
      const data: DuplicateGroup[] = page.flatMap((group) => {
        const [centre] = group;
        const members = group.filter((id) => shown.has(id));
        // Without the file they all duplicate, the others are not known to be copies of each other: not shown.
        if (!shown.has(centre) || members.length < 2) return [];
        const { keeper, reason } = keeperOfGroup(
          members.map((id) => shown.get(id)!),
          (a, b) => duplicates(a.id, b.id),
          keeperRules
        );
        return [
          {
            id: Math.min(...group),
            suggestedKeeperId: keeper.id,
            keeperReason: reason,
            files: [keeper.id, ...members.filter((id) => id !== keeper.id)].map((id) => ({
              ...shown.get(id)!,
              similarity: id === keeper.id ? 1 : similarity.get(pairKey(id, keeper.id))!,
              kind: id === keeper.id ? null : kinds.get(pairKey(id, keeper.id))!,
            })),
          },
        ];
      });
      return {
        data,
        meta: {
          pagination: { page: query.page, pageSize: query.pageSize, total, pageCount: Math.ceil(total / query.pageSize) },
          threshold,
          mergeThreshold,
          kinds: [...countedKinds],
          contentTypes: query.contentType ?? null,
        },
      };
    },

    /**
     * Keeps one file of a group: every entry row referencing a discarded copy (any media field, draft or published,
     * inside components too) is re-pointed to the keeper first, then the copies are deleted, so no entry is ever
     * left pointing at a deleted file. Alt text and caption the keeper lacks are taken from a discarded copy.
     *
     * Only what the server itself finds to be copies of the keeper is merged, only into fields that take the keeper,
     * and only by a user whom the Media Library and the Content Manager would let make each change (merge-rights).
     * Merges touching the same files run one at a time, across Strapi instances; the later one gets a 409.
     */
    async resolve({ keeperId, discardIds }: ResolveDuplicates, { ability }: { ability: UserAbility }): Promise<ResolveReport> {
      const fileIds = [keeperId, ...discardIds];
      try {
        return await leases.exclusive(fileIds.map((id) => `file:${id}`), () => merge(keeperId, discardIds, ability));
      } catch (error) {
        if (error instanceof LeaseTakenError) {
          throw new ConflictError(`Files ${fileIds.join(', ')} are being merged by another request; reload the duplicates and try again`, { fileIds });
        }
        throw error;
      }
    },

    /**
     * Two files verified now, as the duplicate decision's stage 2 sees them, with the keypoints it matched: what the
     * review's picture of a pair shows. A file the user may not read in the Media Library is as absent as a missing one.
     */
    async pair({ a, b }: DuplicatePairQuery, audience: Audience): Promise<DuplicatePairMatch> {
      const records = await existingFiles([a, b]);
      const visible = new Set((await (await visibilityFor(strapi, usage, audience)).reveal([...records.values()])).map((file) => file.id));
      const hidden = [a, b].filter((id) => !visible.has(id));
      if (hidden.length > 0) throw notFound(hidden);
      assertImages([a, b], records);
      const verification = await verifier.verify(a, b);
      if (!verification) throw unreadable(a, b);
      const { kind, inliers, match } = verification;
      return {
        a,
        b,
        kind,
        counted: kind !== null && countedKinds.includes(kind),
        inliers,
        mirrored: match?.mirrored ?? false,
        agreement: match?.agreement ?? null,
        points: match ? matchedShares(match, SEARCH_LIMITS.drawnPoints) : [],
      };
    },

    /** Files whose indexing found near-duplicates, newest first; deleted files drop out. */
    async recent(audience: Audience): Promise<DuplicateNoticeView[]> {
      const notices = await states.recentDuplicates(RECENT_NOTICES);
      const found = await files.findMany(notices.flatMap((notice) => [notice.fileId, ...notice.duplicates.map((d) => d.fileId)]));
      const visible = await (await visibilityFor(strapi, usage, audience)).reveal([...found.values()]);
      const records = new Map(visible.map(({ usedBy: _, ...file }) => [file.id, file]));
      return notices.flatMap((notice) => {
        const file = records.get(notice.fileId);
        const duplicates = notice.duplicates.flatMap((d) => (records.has(d.fileId) ? [{ file: records.get(d.fileId)!, similarity: d.similarity, kind: d.kind ?? null }] : []));
        return file && duplicates.length > 0 ? [{ file, at: notice.eventTime, duplicates }] : [];
      });
    },

    /** Marks the files as not duplicates, or as copies to keep both of: the review never groups them, or files with the same bytes, again. */
    async dismiss({ fileIds, decision }: DismissDuplicates): Promise<DismissReport> {
      await existingFiles(fileIds);
      const hashes = await states.contentHashes(fileIds);
      const pairsMarked = await notDuplicates.mark(fileIds, hashes, decision);
      // Marking again what is marked already decides nothing new.
      if (pairsMarked > 0) await recorder.recordDecision(buildDismissedEvent(fileIds, decision, hashes.values()));
      return { fileIds, decision, pairsMarked };
    },
  };
}

export type DuplicatesService = ReturnType<typeof createDuplicatesService>;

export default ({ strapi }: { strapi: Core.Strapi }) => createDuplicatesService(strapi, runtimeOf(strapi));
