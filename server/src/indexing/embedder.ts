import { createHash } from 'node:crypto';
import type { MediaFile } from '../contracts/events';
import { decodeImage, type DecodedImage, type DecodeOptions, type RawImage, type SourceImage } from '../embedding/decode';
import type { FeatureExtractor } from '../embedding/extractor';
import { mapConcurrently } from '../utils/map-concurrently';
import { encodeVerificationImage } from '../verification/verification-image';
import type { FileSource } from './file-source';

/**
 * Images in, vectors out, many at a time, by the one code path everything uses (the worker, the `embed` command,
 * search by image): bytes are decoded concurrently (sharp works on its own thread pool), then every decoded image
 * goes through the model in one batch, so the CPU stays on the model.
 */
export interface Embedder {
  /** One vector, what the image was and its working copy, or the error that prevented it, per image, in order. */
  embedBytes(images: readonly Buffer[]): Promise<Array<{ vector: number[]; source: SourceImage; working: RawImage } | Error>>;
  /** The files' bytes fetched first (with `readFile`); one vector, or the error that prevented it, per file. */
  embed(files: readonly Pick<MediaFile, 'id' | 'url'>[]): Promise<Array<EmbeddedFile | Error>>;
}

/**
 * A file's vector; the sha256 of its bytes (hex), what "not duplicates" marks are keyed by across re-uploads; and
 * its verification image, made from the same decode, for the pair checks of the duplicate decision.
 */
export interface EmbeddedFile {
  vector: number[];
  contentHash: string;
  verificationImage: Buffer;
  source: SourceImage;
}

export const contentHashOf = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

const asError = (error: unknown) => (error instanceof Error ? error : new Error(String(error)));

export function createEmbedder(deps: {
  extractor: FeatureExtractor;
  decode: Omit<DecodeOptions, 'size'>;
  /** Images fetched and decoded at once. */
  concurrency: number;
  /** How files are fetched, for `embed`; search by image has its bytes already. */
  readFile?: FileSource;
}): Embedder {
  const { extractor, decode, concurrency, readFile } = deps;
  const decodeOne = (bytes: Buffer) => decodeImage(bytes, { ...decode, size: extractor.model.inputSize }).catch(asError);

  async function embedDecoded(decoded: ReadonlyArray<DecodedImage | Error>) {
    const ok = decoded.filter((item): item is DecodedImage => !(item instanceof Error));
    const vectors = await extractor.extract(ok.map((item) => item.pixels));
    let next = 0;
    return decoded.map((item) => (item instanceof Error ? item : { vector: vectors[next++], source: item.source, working: item.working }));
  }

  return {
    embedBytes: async (images) => embedDecoded(await mapConcurrently(images, concurrency, decodeOne)),

    async embed(files) {
      if (!readFile) throw new Error('this embedder reads no files');
      const hashes: string[] = [];
      const verificationImages: Buffer[] = [];
      const decoded = await mapConcurrently(files, concurrency, async (file, i) => {
        try {
          const bytes = await readFile(file);
          hashes[i] = contentHashOf(bytes);
          const image = await decodeOne(bytes);
          if (!(image instanceof Error)) verificationImages[i] = await encodeVerificationImage(image.working);
          return image;
        } catch (error) {
          return asError(error);
        }
      });
      return (await embedDecoded(decoded)).map((result, i) =>
        result instanceof Error ? result : { vector: result.vector, contentHash: hashes[i], verificationImage: verificationImages[i], source: result.source }
      );
    },
  };
}
