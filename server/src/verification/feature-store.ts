import { cacheFileOf, readCacheFile, writeCacheFile } from './image-cache';
import { DESCRIPTOR_BYTES, FEATURES_VERSION, type Keypoints, type LocalFeatures } from './local-features';

/**
 * Each file's local features on disk, beside its verification image. Making them costs about 60 ms; reading them
 * back well under one. A library file is a candidate of many files indexed after it, most long gone from any
 * process's memory: stored, its features are made once in its life, by whichever process first checks a pair
 * with it, for every process sharing the folder.
 */
export interface FeatureStore {
  /** Null when none is stored for these bytes, or they were made another way (FEATURES_VERSION). */
  get(fileId: number, contentHash: string): Promise<LocalFeatures | null>;
  put(fileId: number, contentHash: string, features: LocalFeatures): Promise<void>;
}

/** The content hash, then FEATURES_VERSION, each in a field of this many ASCII bytes. */
const FIELD = 64;
/** width, height, the thumbnail's width, height and bytes, then the keypoint count of each set. */
const SIZES = 8;
const SETS = ['direct', 'halved', 'mirrored'] as const;

export function createDiskFeatureStore(dir: string): FeatureStore {
  const fileOf = (fileId: number) => cacheFileOf(dir, fileId, 'features');
  return {
    async get(fileId, contentHash) {
      const bytes = await readCacheFile(fileOf(fileId));
      if (!bytes || bytes.length < 2 * FIELD || field(bytes, 0) !== contentHash || field(bytes, FIELD) !== FEATURES_VERSION) return null;
      return decodeFeatures(bytes.subarray(2 * FIELD));
    },
    async put(fileId, contentHash, features) {
      await writeCacheFile(fileOf(fileId), Buffer.concat([asField(contentHash), asField(FEATURES_VERSION), encodeFeatures(features)]));
    },
  };
}

const asField = (text: string) => Buffer.from(text.padEnd(FIELD).slice(0, FIELD), 'ascii');
const field = (bytes: Buffer, at: number) => bytes.subarray(at, at + FIELD).toString('ascii').trimEnd();

/** Sizes (int32), then each set's points (float32), then each set's descriptors, then the thumbnail's pixels. */
export function encodeFeatures(features: LocalFeatures): Buffer {
  const sets = SETS.map((name) => features[name]);
  const { thumbnail } = features;
  const sizes = new Int32Array([features.width, features.height, thumbnail.width, thumbnail.height, thumbnail.pixels.length, ...sets.map(countOf)]);
  return Buffer.concat([
    new Uint8Array(sizes.buffer),
    ...sets.map(({ points }) => new Uint8Array(points.buffer, points.byteOffset, points.byteLength)),
    ...sets.map(({ descriptors }) => descriptors),
    thumbnail.pixels,
  ]);
}

export function decodeFeatures(bytes: Uint8Array): LocalFeatures {
  let at = 0;
  const damaged = () => new Error(`stored local features of ${bytes.length} bytes, a length their sizes do not add up to`);
  // Copied out of the read buffer (a Buffer's slice is a view): typed arrays over it would need aligned offsets.
  const take = (length: number) => {
    if (length < 0 || at + length > bytes.length) throw damaged();
    return new Uint8Array(bytes.subarray(at, (at += length)));
  };
  const [width, height, thumbnailWidth, thumbnailHeight, thumbnailBytes, ...counts] = new Int32Array(take(SIZES * 4).buffer);
  const points = counts.map((count) => new Float32Array(take(count * 2 * 4).buffer));
  const descriptors = counts.map((count) => take(count * DESCRIPTOR_BYTES));
  const [direct, halved, mirrored] = counts.map((_, i): Keypoints => ({ points: points[i], descriptors: descriptors[i] }));
  const thumbnail = { width: thumbnailWidth, height: thumbnailHeight, pixels: take(thumbnailBytes) };
  if (at !== bytes.length) throw damaged();
  return { width, height, direct, halved, mirrored, thumbnail };
}

const countOf = ({ points }: Keypoints) => points.length / 2;
