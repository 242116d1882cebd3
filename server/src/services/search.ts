import type { Core } from '@strapi/strapi';
import { errors } from '@strapi/utils';
import { createMediaUsage } from '../strapi-data/media-usage';
import { isImage } from '../contracts/events';
import { QUERY_IMAGE_FIELD, SEARCH_LIMITS, type SimilarHit, type SimilarQuery, type SimilarResponse } from '../contracts/http';
import { UnindexableError } from '../errors/pipeline-errors';
import { decodeImage, type SourceImage } from '../embedding/decode';
import { ConflictError, UnprocessableEntityError } from '../errors/http-errors';
import { createIndexStateRepository } from '../strapi-data/index-state';
import { createFileRecords } from '../strapi-data/file-records';
import { findSimilar } from '../similarity/find-similar';
import { mimeMatches } from '../similarity/mime';
import { pageOf, resultsNeeded } from '../similarity/paging';
import { assertKnownContentTypes, scopePartitions } from '../similarity/scope';
import type { QueryImage } from '../middlewares/query-image-body';
import { getService } from '../utils/get-service';
import { visibilityFor, type Audience, type Visibility } from '../access/visibility';

/** A search scoped by content type, within what the audience may find (null: anything). */
function withinVisible(requested: readonly string[] | undefined, visible: readonly string[] | null): string[] | undefined {
  if (!visible) return requested && [...requested];
  return requested ? requested.filter((uid) => visible.includes(uid)) : [...visible];
}

/** "Find similar media": one service behind the admin and content-API routes. */
export default ({ strapi }: { strapi: Core.Strapi }) => {
  const files = createFileRecords(strapi);
  const states = createIndexStateRepository(strapi);
  const usage = createMediaUsage(strapi);
  const pipeline = () => getService(strapi, 'pipeline');

  /**
   * The ranked files for a page of results, among those the audience may see: deleted files, other MIME types and
   * files the caller may not see are skipped, widening the window.
   */
  async function rank(vector: number[], query: SimilarQuery, visibility: Visibility, excludeFileId?: number) {
    const store = pipeline().store();
    const { threshold: defaultThreshold, consistencyLevel: consistency } = pipeline().config().search;
    const threshold = query.threshold ?? defaultThreshold;
    const partitions = await scopePartitions(strapi, store, withinVisible(query.contentType, visibility.contentTypes));
    const wanted = resultsNeeded(query.page, query.pageSize);
    let live: SimilarHit[] = [];
    if (!partitions || partitions.length > 0) {
      for (let needed = wanted; ; needed = Math.min(SEARCH_LIMITS.maxResultWindow, needed * 2)) {
        const ranked = await findSimilar(store, { vector, needed, threshold, partitions, excludeFileId, consistency });
        // Vectors of files deleted a moment ago may linger until their delete event is applied: drop them.
        const records = await files.findMany(ranked.map((hit) => hit.fileId));
        const candidates = ranked.flatMap((hit) => {
          const record = records.get(hit.fileId);
          return record && mimeMatches(record.mime, query.mime) ? [record] : [];
        });
        const shown = new Map((await visibility.reveal(candidates)).map((file) => [file.id, file]));
        live = ranked.flatMap((hit) => (shown.has(hit.fileId) ? [{ file: shown.get(hit.fileId)!, similarity: hit.similarity }] : []));
        if (live.length >= wanted || ranked.length < needed || needed === SEARCH_LIMITS.maxResultWindow) break;
      }
    }
    const { items, hasMore } = pageOf(live, query.page, query.pageSize);
    return {
      data: items,
      meta: {
        pagination: { page: query.page, pageSize: query.pageSize, hasMore },
        threshold,
        contentTypes: query.contentType ?? null,
        model: pipeline().model().id,
      },
    };
  }

  return {
    async similarToFile(fileId: number, query: SimilarQuery, audience: Audience): Promise<SimilarResponse> {
      assertKnownContentTypes(strapi, query.contentType);
      const visibility = await visibilityFor(strapi, usage, audience);
      const file = await files.findOne(fileId);
      // A file the caller may not see answers as a missing one: nothing tells it exists.
      if (!file || (await visibility.reveal([file])).length === 0) throw new errors.NotFoundError(`File ${fileId} not found`);
      if (!isImage(file.mime)) throw new errors.ValidationError(`File ${fileId} is not an image (${file.mime ?? 'unknown type'})`);

      const vector = await pipeline().store().getVector(fileId);
      if (!vector) {
        const state = await states.stateOf(fileId);
        if (state?.status === 'failed') {
          throw new UnprocessableEntityError(`File ${fileId} cannot be indexed: ${state.reason}`, { fileId, indexed: false, reason: state.reason });
        }
        throw new ConflictError(`File ${fileId} is not indexed yet; try again in a few seconds`, { fileId, indexed: false });
      }
      const { data, meta } = await rank(vector, query, visibility, fileId);
      return { data, meta: { ...meta, query: { fileId } } };
    },

    /** Searches with an image that is not in the library; the image goes through the indexer's exact path. */
    async similarToImage(image: QueryImage, query: SimilarQuery, audience: Audience): Promise<SimilarResponse> {
      assertKnownContentTypes(strapi, query.contentType);
      const { preprocessing } = pipeline().config();
      const extractor = await pipeline().extractor();
      let pixels: Buffer;
      let source: SourceImage;
      try {
        ({ pixels, source } = await decodeImage(image.bytes, { ...preprocessing, size: extractor.model.inputSize }));
      } catch (error) {
        const reason = error instanceof UnindexableError ? error.message : 'the image cannot be decoded';
        throw new errors.ValidationError(`${QUERY_IMAGE_FIELD}: ${reason}`, { param: QUERY_IMAGE_FIELD });
      }
      const [vector] = await extractor.extract([pixels]);
      const { data, meta } = await rank(vector, query, await visibilityFor(strapi, usage, audience));
      return { data, meta: { ...meta, query: { image: { name: image.name, ...source } } } };
    },
  };
};
