import { createHash } from 'node:crypto';
import type { MediaFile } from '../contracts/events';
import { decodeImage, describeImage, type DecodedImage, type DecodeOptions, type RawImage, type SourceImage } from '../embedding/decode';
import type { FeatureExtractor } from '../embedding/extractor';
import { mapConcurrently } from '../utils/map-concurrently';
import { encodeVerificationImage } from '../verification/verification-image';
import type { FileSource } from './file-source';
import { formatToIndex } from './stored-format';

/** What the embedder reads of a file: where it is, and the smaller copies Strapi stored of it. */
export type FileToEmbed = Pick<MediaFile, 'id' | 'url'> & Partial<Pick<MediaFile, 'width' | 'height' | 'formats'>>;

/**
 * Images in, vectors out, many at a time, by the one code path everything uses (the worker, the `embed` command,
 * search by image): bytes are decoded concurrently (sharp works on its own thread pool), then every decoded image
 * goes through the model in one batch, so the CPU stays on the model.
 */
export interface Embedder {
  /** One vector, what the image was and its working copy, or the error that prevented it, per image, in order. */
  embedBytes(images: readonly Buffer[]): Promise<Array<{ vector: number[]; source: SourceImage; working: RawImage } | Error>>;
  /** The files' bytes fetched first (with `readFile`); one vector, or the error that prevented it, per file. */
  embed(files: readonly FileToEmbed[]): Promise<Array<EmbeddedFile | Error>>;
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
  /** The stored format the pixels came from, or 'original'. */
  decodedFrom: string;
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
  /** Files are decoded from the smallest of Strapi's stored formats that holds what indexing uses (stored-format.ts). */
  useStoredFormats?: boolean;
}): Embedder {
  const { extractor, decode, concurrency, readFile, useStoredFormats = false } = deps;
  const options = { ...decode, size: extractor.model.inputSize };
  const decodeOne = (bytes: Buffer) => decodeImage(bytes, options).catch(asError);

  /**
   * A file's pixels, from its stored format when it has one that will do. The original is read all the same, for
   * its content hash and its orientation; a format that is gone or unreadable leaves the original to decode.
   */
  async function decodeFile(file: FileToEmbed, original: Buffer): Promise<{ image: DecodedImage | Error; from: string }> {
    const format = useStoredFormats ? formatToIndex(file) : undefined;
    if (format) {
      try {
        const described = await describeImage(original);
        return { image: await decodeImage(await readFile!({ id: file.id, url: format.url }), options, described), from: format.name };
      } catch {
        // decoded from the original below, which says what is wrong with the file, if anything
      }
    }
    return { image: await decodeOne(original), from: 'original' };
  }

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
      const decodedFrom: string[] = [];
      const decoded = await mapConcurrently(files, concurrency, async (file, i) => {
        try {
          const bytes = await readFile(file);
          hashes[i] = contentHashOf(bytes);
          const { image, from } = await decodeFile(file, bytes);
          decodedFrom[i] = from;
          if (!(image instanceof Error)) verificationImages[i] = await encodeVerificationImage(image.working);
          return image;
        } catch (error) {
          return asError(error);
        }
      });
      return (await embedDecoded(decoded)).map((result, i) =>
        result instanceof Error
          ? result
          : { vector: result.vector, contentHash: hashes[i], verificationImage: verificationImages[i], source: result.source, decodedFrom: decodedFrom[i] }
      );
    },
  };
}
