import { isImage, MEDIA_EVENT_TYPES, type IndexAction, type MediaEvent, type MediaEventType, type MediaFile } from '../contracts/events';
import { partitionsForFile } from '../vector-store/partitions';
import type { VectorStore } from '../vector-store/types';
import type { VerificationImageCache } from '../verification/image-cache';
import type { EmbeddedFile } from './embedder';

/** Turns one media event into the Milvus writes it implies. Every handler is idempotent. */

/**
 * `vector` (the model's) is set when a new vector was written, for the duplicate check that follows; `contentHash`
 * and `decodedFrom` (the stored format or 'original' its pixels came from) with it.
 */
export type Outcome = { action: IndexAction; reason?: string; vector?: number[]; contentHash?: string; decodedFrom?: string };

/** The file's vector: computed ahead for the batch when the worker could, otherwise on demand. */
export type EmbedFile = (file: MediaFile) => Promise<EmbeddedFile>;

export type Handler = (event: MediaEvent, embed: EmbedFile) => Promise<Outcome>;

/** Events whose handler needs the file's pixels; the worker embeds them in batches. */
export const needsEmbedding = (event: MediaEvent) =>
  (event.type === MEDIA_EVENT_TYPES.created || event.type === MEDIA_EVENT_TYPES.replaced || event.type === MEDIA_EVENT_TYPES.reindexRequested) &&
  isImage(event.data.file.mime);

/** An event's version is its time: the relay publishes a file's events in order, so a later event is newer. */
export const eventVersion = (event: MediaEvent) => Date.parse(event.time);

/**
 * True when the index already holds a newer version of the event's file: a replay or a re-driven dead letter,
 * overtaken since. Deletes always apply (they tolerate absence), and an equal version is re-applied, harmlessly.
 */
export const isStale = (event: MediaEvent, applied: ReadonlyMap<number, number>) =>
  event.type !== MEDIA_EVENT_TYPES.deleted && eventVersion(event) < (applied.get(event.data.file.id) ?? -Infinity);

export function createMediaEventHandlers({ store, images }: { store: VectorStore; images: VerificationImageCache }): Record<MediaEventType, Handler> {
  const index: Handler = async (event, embed) => {
    const { file, contentTypes } = event.data;
    if (!isImage(file.mime)) return { action: 'skipped', reason: `not an image (${file.mime ?? 'unknown type'})` };
    const { vector, contentHash, verificationImage, decodedFrom } = await embed(file);
    // The image first: once the vector is searchable, a pair check may ask for it.
    await images.put(file.id, { contentHash, image: verificationImage });
    await store.indexFile(file.id, partitionsForFile(contentTypes), vector, eventVersion(event));
    return { action: 'indexed', vector, contentHash, decodedFrom };
  };

  // The vector does not depend on where a file is used, so a move reuses it; a file not indexed yet gets indexed.
  const move: Handler = async (event, embed) => {
    const { file, contentTypes } = event.data;
    if (!(await store.moveFile(file.id, partitionsForFile(contentTypes), eventVersion(event)))) return index(event, embed);
    return { action: 'moved' };
  };

  return {
    [MEDIA_EVENT_TYPES.created]: index,
    [MEDIA_EVENT_TYPES.replaced]: index,
    [MEDIA_EVENT_TYPES.reindexRequested]: index,
    [MEDIA_EVENT_TYPES.updated]: async () => ({ action: 'skipped', reason: 'metadata only' }),
    [MEDIA_EVENT_TYPES.usageChanged]: move,
    [MEDIA_EVENT_TYPES.deleted]: async (event) => {
      await store.deleteFile(event.data.file.id);
      await images.remove(event.data.file.id);
      return { action: 'removed' };
    },
  };
}
