import type { Core } from '@strapi/strapi';
import { createMediaUsageQueries, type MediaUsageQueries } from './media-usage/queries';
import { createRepoint } from './media-usage/repoint';
import { createMediaSchema } from './media-usage/schema';

export { toEntryUsage, type MediaSlot, type UsageRow } from './media-usage/queries';

/** Media usage: which entries use which files (queries), and re-pointing references (the one write). */
export interface MediaUsage extends MediaUsageQueries {
  repointFile(from: number, to: number): Promise<number>;
  /** Whether entries of this content type can reference media, directly or through components. */
  hasMediaAttributes(uid: string): boolean;
}

export function createMediaUsage(strapi: Core.Strapi): MediaUsage {
  const schema = createMediaSchema(strapi);
  return {
    ...createMediaUsageQueries(strapi, schema),
    repointFile: createRepoint(strapi, schema),
    hasMediaAttributes: (uid) => schema.isContentType(uid) && schema.holdsMedia(uid),
  };
}
