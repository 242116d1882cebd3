import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

/**
 * Each indexed file's verification image, by file id, with the sha256 of the bytes it was made from: written by
 * the worker from the decode it already did, read by every pair check. Workers on several machines share one
 * directory (any shared volume); a file missing from it is made again by whoever can fetch the file (the scan).
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

/** One site's cache: under the configured directory, by the site's Milvus collection prefix, so sites never mix. */
export const siteImageCache = (config: { worker: { verificationCacheDir: string }; milvus: { collectionPrefix: string } }) =>
  createDiskImageCache(path.join(config.worker.verificationCacheDir, config.milvus.collectionPrefix));

/** The user cache setup already uses, so a reinstall of the plugin keeps it. */
export const DEFAULT_CACHE_DIR = path.join(process.env.IMAGE_SEARCH_CACHE ?? path.join(os.homedir(), '.cache', 'strapi-image-search'), 'verification-images');

const HASH_BYTES = 64;

export function createDiskImageCache(dir: string): VerificationImageCache {
  // 256 folders, so that no folder holds the whole library.
  const fileOf = (fileId: number) => path.join(dir, (fileId % 256).toString(16).padStart(2, '0'), `${fileId}.bin`);
  return {
    async get(fileId) {
      const bytes = await fs.readFile(fileOf(fileId)).catch((error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') return null;
        throw error;
      });
      if (!bytes || bytes.length <= HASH_BYTES) return null;
      return { contentHash: bytes.subarray(0, HASH_BYTES).toString('ascii'), image: bytes.subarray(HASH_BYTES) };
    },
    async put(fileId, { contentHash, image }) {
      const file = fileOf(fileId);
      await fs.mkdir(path.dirname(file), { recursive: true });
      // Written aside, then renamed: a reader never sees half a file. A name of its own, as two writers of one
      // file (the worker and a scan, two instances) may start in the same millisecond.
      const partial = `${file}.${randomUUID()}.partial`;
      await fs.writeFile(partial, Buffer.concat([Buffer.from(contentHash.padEnd(HASH_BYTES).slice(0, HASH_BYTES), 'ascii'), image]));
      await fs.rename(partial, file);
    },
    async remove(fileId) {
      await fs.rm(fileOf(fileId), { force: true });
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
