import type { Core } from '@strapi/strapi';
import { errors } from '@strapi/utils';
import type { IndexCollection } from '../vector-store/types';
import { partitionForContentType } from '../vector-store/partitions';

/** The `contentType` parameter of searches and duplicate reviews: known UIDs only, as Milvus partitions. */

export function assertKnownContentTypes(strapi: Core.Strapi, contentTypes: readonly string[] | undefined): void {
  const unknown = (contentTypes ?? []).filter((uid) => !(uid in strapi.contentTypes));
  if (unknown.length > 0) throw new errors.ValidationError(`contentType: unknown content type ${unknown.join(', ')}`, { param: 'contentType', unknown });
}

/**
 * The partitions to look in: undefined for the whole library, else those of the content types that exist in the
 * index (empty when none of their entries uses media yet: nothing to find there).
 */
export async function scopePartitions(strapi: Core.Strapi, store: Pick<IndexCollection, 'existingPartitions'>, contentTypes: readonly string[] | undefined): Promise<string[] | undefined> {
  if (!contentTypes) return undefined;
  assertKnownContentTypes(strapi, contentTypes);
  return store.existingPartitions(contentTypes.map(partitionForContentType));
}
