import type { Core } from '@strapi/strapi';
import { errors } from '@strapi/utils';
import { isImage } from '../contracts/events';
import type { SimilarQuery, SimilarResponse } from '../contracts/http';
import { ConflictError, UnprocessableEntityError } from '../http-errors';
import { createIndexStateRepository } from '../index-state/repository';
import { createFileRecords } from '../search/file-records';
import { findSimilar } from '../search/find-similar';
import { pageOf, resultsNeeded } from '../search/paging';
import { partitionForContentType } from '../vector-store/partitions';
import { getService } from '../utils/get-service';

/** "Find similar media": one service behind the admin and content-API routes. */
export default ({ strapi }: { strapi: Core.Strapi }) => {
  const files = createFileRecords(strapi);
  const states = createIndexStateRepository(strapi);

  /** Partitions to search for the requested content types; unknown UIDs are a client error. */
  const partitionsFor = (contentTypes: string[]) => {
    const unknown = contentTypes.filter((uid) => !(uid in strapi.contentTypes));
    if (unknown.length > 0) {
      throw new errors.ValidationError(`contentType: unknown content type ${unknown.join(', ')}`, { param: 'contentType', unknown });
    }
    return contentTypes.map(partitionForContentType);
  };

  return {
    async similarToFile(fileId: number, query: SimilarQuery): Promise<SimilarResponse> {
      const pipeline = getService(strapi, 'pipeline');
      const file = await files.findOne(fileId);
      if (!file) throw new errors.NotFoundError(`File ${fileId} not found`);
      if (!isImage(file.mime)) throw new errors.ValidationError(`File ${fileId} is not an image (${file.mime ?? 'unknown type'})`);

      const threshold = query.threshold ?? pipeline.config().search.threshold;
      const requested = query.contentType ? partitionsFor(query.contentType) : undefined;
      const store = pipeline.store();
      const vector = await store.getVector(fileId);
      if (!vector) {
        const state = await states.stateOf(fileId);
        if (state?.status === 'failed') {
          throw new UnprocessableEntityError(`File ${fileId} cannot be indexed: ${state.reason}`, { fileId, indexed: false, reason: state.reason });
        }
        throw new ConflictError(`File ${fileId} is not indexed yet; try again in a few seconds`, { fileId, indexed: false });
      }

      // A content type none of whose entries uses media yet has no partition: nothing to find there.
      const partitions = requested && (await store.existingPartitions(requested));
      const needed = resultsNeeded(query.page, query.pageSize);
      const ranked =
        partitions && partitions.length === 0
          ? []
          : await findSimilar(store, { vector, needed, threshold, partitions, excludeFileId: fileId });

      // Vectors of files deleted a moment ago may linger until their delete event is applied: drop them.
      const records = await files.findMany(ranked.map((hit) => hit.fileId));
      const live = ranked.flatMap((hit) => {
        const record = records.get(hit.fileId);
        return record ? [{ file: record, similarity: hit.similarity }] : [];
      });
      const { items, hasMore } = pageOf(live, query.page, query.pageSize);

      return {
        data: items,
        meta: {
          query: { fileId },
          pagination: { page: query.page, pageSize: query.pageSize, hasMore },
          threshold,
          contentTypes: query.contentType ?? null,
          model: pipeline.model().id,
        },
      };
    },
  };
};
