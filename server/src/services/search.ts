import type { Core } from '@strapi/strapi';
import { errors } from '@strapi/utils';
import { visibilityFor, type Audience, type Visibility } from '../access/visibility';
import { isImage } from '../contracts/events';
import type { SimilarHit, SimilarQuery, SimilarResponse, UsedFile } from '../contracts/http';
import { ConflictError, UnprocessableEntityError } from '../errors/http-errors';
import type { QueryImage } from '../middlewares/query-image-body';
import { runtimeOf, type Runtime } from '../runtime/runtime';
import { mimeMatches } from '../similarity/mime';
import { neighbours } from '../similarity/neighbours';
import { pageOf, resultsNeeded, type ScoredFile } from '../similarity/paging';
import { assertKnownContentTypes, scopePartitions } from '../similarity/scope';
import type { ServedCollection } from '../vector-store/types';
import { toSpace } from '../whitening/projection';

/** A search scoped by content type, within what the audience may find (null: anything). */
function withinVisible(requested: readonly string[] | undefined, visible: readonly string[] | null): string[] | undefined {
  if (!visible) return requested && [...requested];
  return requested ? requested.filter((uid) => visible.includes(uid)) : [...visible];
}

export type SearchDeps = Pick<Runtime, 'config' | 'model' | 'files' | 'usage' | 'states' | 'store' | 'embedder'>;

/**
 * "Find similar media": one service behind the admin and content-API routes. Search by image throws the decoder's
 * UnindexableError for an image it cannot read (the controller answers 400).
 */
export function createSearchService(strapi: Core.Strapi, { config, model, files, usage, states, store, embedder }: SearchDeps) {
  /**
   * The ranked files for a page of results, among those the audience may see: deleted files, other MIME types and
   * files the caller may not see are skipped, widening the window.
   */
  async function rank(served: ServedCollection, vector: number[], query: SimilarQuery, visibility: Visibility, excludeFileId?: number) {
    const { consistencyLevel: consistency } = config.search;
    const threshold = query.threshold ?? config.search.threshold ?? served.space.thresholds.search;
    const partitions = await scopePartitions(strapi, served, withinVisible(query.contentType, visibility.contentTypes));
    let live: SimilarHit[] = [];
    if (!partitions || partitions.length > 0) {
      const shown = new Map<number, UsedFile>();
      // Vectors of files deleted a moment ago may linger until their delete event is applied: those drop out too.
      const accept = async (hits: ScoredFile[]) => {
        const records = await files.findMany(hits.map((hit) => hit.fileId));
        const candidates = hits.flatMap((hit) => (records.has(hit.fileId) && mimeMatches(records.get(hit.fileId)!.mime, query.mime) ? [records.get(hit.fileId)!] : []));
        for (const file of await visibility.reveal(candidates)) shown.set(file.id, file);
        return hits.filter((hit) => shown.has(hit.fileId));
      };
      const hits = await neighbours(served, { vector, needed: resultsNeeded(query.page, query.pageSize), threshold, partitions, excludeFileId, consistency, accept });
      live = hits.map((hit) => ({ file: shown.get(hit.fileId)!, similarity: hit.similarity }));
    }
    const { items, hasMore } = pageOf(live, query.page, query.pageSize);
    return {
      data: items,
      meta: {
        pagination: { page: query.page, pageSize: query.pageSize, hasMore },
        threshold,
        contentTypes: query.contentType ?? null,
        model: model.id,
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

      const served = await store().serving();
      const vector = await served.getVector(fileId);
      if (!vector) {
        const state = await states.stateOf(fileId);
        if (state?.status === 'failed') {
          throw new UnprocessableEntityError(`File ${fileId} cannot be indexed: ${state.reason}`, { fileId, indexed: false, reason: state.reason });
        }
        throw new ConflictError(`File ${fileId} is not indexed yet; try again in a few seconds`, { fileId, indexed: false });
      }
      const { data, meta } = await rank(served, vector, query, visibility, fileId);
      return { data, meta: { ...meta, query: { fileId } } };
    },

    /** Searches with an image that is not in the library; it goes through the embedder, as the indexer's images do. */
    async similarToImage(image: QueryImage, query: SimilarQuery, audience: Audience): Promise<SimilarResponse> {
      assertKnownContentTypes(strapi, query.contentType);
      const [embedded] = await (await embedder()).embedBytes([image.bytes]);
      if (embedded instanceof Error) throw embedded;
      const served = await store().serving();
      const { data, meta } = await rank(served, toSpace(served.space, embedded.vector), query, await visibilityFor(strapi, usage, audience));
      return { data, meta: { ...meta, query: { image: { name: image.name, ...embedded.source } } } };
    },
  };
}

export type SearchService = ReturnType<typeof createSearchService>;

export default ({ strapi }: { strapi: Core.Strapi }) => createSearchService(strapi, runtimeOf(strapi));
