import type { Core } from '@strapi/strapi';
import { MEDIA_EVENT_TYPES } from '../contracts/events';
import { FILE_UID } from '../strapi-data/file-records';
import type { Recorder } from './recorder';

/** Media library changes, from the database lifecycles of plugin::upload.file (uploads bypass the Document Service). */

type LifecycleEvent = { result?: Record<string, unknown>; params?: { data?: Record<string, unknown> } };

/** A replace writes a new binary (new hash/size/url); an info edit changes only name, alt text, caption or folder. */
export function isBinaryReplace(data: Record<string, unknown> | undefined): boolean {
  return !!data && ['hash', 'size', 'url', 'mime'].some((key) => key in data);
}

export function subscribeMediaLifecycles(strapi: Core.Strapi, recorder: Recorder): () => void {
  return strapi.db.lifecycles.subscribe({
    models: [FILE_UID],
    async afterCreate(event: LifecycleEvent) {
      if (event.result) await recorder.record(MEDIA_EVENT_TYPES.created, event.result);
    },
    async afterUpdate(event: LifecycleEvent) {
      if (!event.result) return;
      const type = isBinaryReplace(event.params?.data) ? MEDIA_EVENT_TYPES.replaced : MEDIA_EVENT_TYPES.updated;
      await recorder.record(type, event.result);
    },
    async afterDelete(event: LifecycleEvent) {
      if (event.result) await recorder.record(MEDIA_EVENT_TYPES.deleted, event.result, []);
    },
  } as never) as unknown as () => void;
}
