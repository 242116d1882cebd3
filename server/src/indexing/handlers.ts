import { MEDIA_EVENT_TYPES, type MediaEvent, type MediaEventType } from '../contracts/events';
import type { FeatureExtractor } from '../features/extractor';
import { decodeForModel, type DecodeOptions } from '../features/decode';
import { partitionsForFile } from '../vector-store/partitions';
import type { VectorStore } from '../vector-store/milvus-store';
import type { FileSource } from './file-source';

/** Turns one media event into the Milvus writes it implies. Every handler is idempotent. */

export type Outcome = { action: 'indexed' | 'moved' | 'removed' | 'skipped'; reason?: string };

export interface HandlerDeps {
  store: VectorStore;
  extractor: FeatureExtractor;
  readFile: FileSource;
  decode: Omit<DecodeOptions, 'size'>;
}

type Handler = (event: MediaEvent) => Promise<Outcome>;

export const isImage = (mime: string | null) => !!mime && mime.startsWith('image/');

export function createMediaEventHandlers({ store, extractor, readFile, decode }: HandlerDeps): Record<MediaEventType, Handler> {
  const version = (event: MediaEvent) => Date.parse(event.time);

  const index: Handler = async (event) => {
    const { file, contentTypes } = event.data;
    if (!isImage(file.mime)) return { action: 'skipped', reason: `not an image (${file.mime ?? 'unknown type'})` };
    const pixels = await decodeForModel(await readFile(file), { ...decode, size: extractor.model.inputSize });
    const [vector] = await extractor.extract([pixels]);
    await store.replaceFileVectors(file.id, partitionsForFile(contentTypes), vector, version(event));
    return { action: 'indexed' };
  };

  // The vector does not depend on where a file is used, so a move reuses it; a file not indexed yet gets indexed.
  const move: Handler = async (event) => {
    const { file, contentTypes } = event.data;
    // Fresh: a replace of this file may have been applied a moment ago.
    const vector = await store.getVector(file.id, { fresh: true });
    if (!vector) return index(event);
    await store.replaceFileVectors(file.id, partitionsForFile(contentTypes), vector, version(event));
    return { action: 'moved' };
  };

  return {
    [MEDIA_EVENT_TYPES.created]: index,
    [MEDIA_EVENT_TYPES.replaced]: index,
    [MEDIA_EVENT_TYPES.updated]: async () => ({ action: 'skipped', reason: 'metadata only' }),
    [MEDIA_EVENT_TYPES.usageChanged]: move,
    [MEDIA_EVENT_TYPES.deleted]: async (event) => {
      await store.deleteFile(event.data.file.id);
      return { action: 'removed' };
    },
  };
}
