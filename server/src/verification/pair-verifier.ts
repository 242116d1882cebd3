import { createComparer, type Comparer } from './comparer';
import type { CachedImage, VerificationImageCache } from './image-cache';
import type { Verification } from './verify-pair';

/** Verifies pairs of indexed files by id, from their cached verification images. */
export interface PairVerifier {
  /** Null when a file's verification image is missing and cannot be made here. */
  verify(a: number, b: number): Promise<Verification | null>;
}

export function createPairVerifier(deps: {
  images: VerificationImageCache;
  /** Makes a missing verification image from the file itself, where the file can be fetched (Strapi). */
  makeMissing?: (fileId: number) => Promise<CachedImage | null>;
  /** Where the comparing runs: in this thread by default; Strapi and the worker use a thread of its own. */
  compare?: Comparer;
}): PairVerifier {
  const { images, makeMissing, compare = createComparer() } = deps;

  async function imageOf(fileId: number): Promise<CachedImage | null> {
    const cached = await images.get(fileId);
    if (cached || !makeMissing) return cached;
    const made = await makeMissing(fileId);
    if (made) await images.put(fileId, made);
    return made;
  }

  return {
    async verify(a, b) {
      const [first, second] = await Promise.all([imageOf(a), imageOf(b)]);
      if (!first || !second) return null;
      return compare({ fileId: a, ...first }, { fileId: b, ...second });
    },
  };
}
