import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

/**
 * Each indexed file's verification image, by file id, with the sha256 of the bytes it was made from: written by
 * the worker from the decode it already did, read by every pair check. Workers on several machines share one
 * directory (any shared volume); a file missing from it is made again by whoever can fetch the file (the scan).
 * The same directory keeps each file's local features (feature-store.ts), removed with its image.
 */

export interface CachedImage {
  contentHash: string;
  image: Buffer;
}

export interface VerificationImageCache {
  get(fileId: number): Promise<CachedImage | null>;
  put(fileId: number, entry: CachedImage): Promise<void>;
  /** Tolerates a file that was never cached. */
  remove(fileId: number): Promise<void>;
}

/** One site's cache directory: under the configured one, by the site's Milvus collection prefix, so sites never mix. */
export const siteCacheDir = (config: { worker: { verificationCacheDir: string }; milvus: { collectionPrefix: string } }) =>
  path.join(config.worker.verificationCacheDir, config.milvus.collectionPrefix);

export const siteImageCache = (config: Parameters<typeof siteCacheDir>[0]) => createDiskImageCache(siteCacheDir(config));

/** The user cache setup already uses, so a reinstall of the plugin keeps it. */
export const DEFAULT_CACHE_DIR = path.join(process.env.IMAGE_SEARCH_CACHE ?? path.join(os.homedir(), '.cache', 'strapi-image-search'), 'verification-images');

const HASH_BYTES = 64;

/** A file's entry of one kind in the cache directory: 256 folders, so that no folder holds the whole library. */
export const cacheFileOf = (dir: string, fileId: number, extension: 'bin' | 'features') =>
  path.join(dir, (fileId % 256).toString(16).padStart(2, '0'), `${fileId}.${extension}`);

/** Written aside, then renamed: a reader never sees half a file. A name of its own, as two writers of one file (the
 * worker and a scan, two instances) may start in the same millisecond. */
export async function writeCacheFile(file: string, bytes: Uint8Array): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  const partial = `${file}.${randomUUID()}.partial`;
  await fs.writeFile(partial, bytes);
  await fs.rename(partial, file);
}

/** A cache file's bytes; null when there is none. */
export async function readCacheFile(file: string): Promise<Buffer | null> {
  return fs.readFile(file).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return null;
    throw error;
  });
}

export function createDiskImageCache(dir: string): VerificationImageCache {
  const fileOf = (fileId: number) => cacheFileOf(dir, fileId, 'bin');
  return {
    async get(fileId) {
      const bytes = await readCacheFile(fileOf(fileId));
      if (!bytes || bytes.length <= HASH_BYTES) return null;
      return { contentHash: bytes.subarray(0, HASH_BYTES).toString('ascii'), image: bytes.subarray(HASH_BYTES) };
    },
    async put(fileId, { contentHash, image }) {
      await writeCacheFile(fileOf(fileId), Buffer.concat([Buffer.from(contentHash.padEnd(HASH_BYTES).slice(0, HASH_BYTES), 'ascii'), image]));
    },
    async remove(fileId) {
      await Promise.all([fs.rm(fileOf(fileId), { force: true }), fs.rm(cacheFileOf(dir, fileId, 'features'), { force: true })]);
    },
  };
}

/** For one run over files on disk (the find-duplicates command, the benchmarks). */
export function createMemoryImageCache(): VerificationImageCache {
  const entries = new Map<number, CachedImage>();
  return {
    get: async (fileId) => entries.get(fileId) ?? null,
    put: async (fileId, entry) => void entries.set(fileId, entry),
    remove: async (fileId) => void entries.delete(fileId),
  };
}
