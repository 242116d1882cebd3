import type { MediaFile } from '../contracts/events';
import { decodeForModel, type DecodeOptions } from '../embedding/decode';
import type { FeatureExtractor } from '../embedding/extractor';
import { mapConcurrently } from '../utils/map-concurrently';
import type { FileSource } from './file-source';

/**
 * Files in, vectors out, many at a time: bytes are fetched and decoded concurrently (sharp works on its own
 * thread pool), then every decoded image goes through the model in one batch, so the CPU stays on the model.
 */
export interface Embedder {
  /** One vector, or the error that prevented it, per file, in order. */
  embed(files: readonly Pick<MediaFile, 'id' | 'url'>[]): Promise<Array<number[] | Error>>;
}

export function createEmbedder(deps: {
  extractor: FeatureExtractor;
  readFile: FileSource;
  decode: Omit<DecodeOptions, 'size'>;
  /** Files fetched and decoded at once. */
  concurrency: number;
}): Embedder {
  const { extractor, readFile, decode, concurrency } = deps;
  const pixelsOf = async (file: Pick<MediaFile, 'id' | 'url'>): Promise<Buffer | Error> => {
    try {
      return await decodeForModel(await readFile(file), { ...decode, size: extractor.model.inputSize });
    } catch (error) {
      return error instanceof Error ? error : new Error(String(error));
    }
  };

  return {
    async embed(files) {
      const pixels = await mapConcurrently(files, concurrency, pixelsOf);
      const decoded = pixels.filter((item): item is Buffer => Buffer.isBuffer(item));
      const vectors = await extractor.extract(decoded);
      let next = 0;
      return pixels.map((item) => (Buffer.isBuffer(item) ? vectors[next++] : item));
    },
  };
}
