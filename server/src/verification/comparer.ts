import type { FeatureStore } from './feature-store';
import type { CachedImage } from './image-cache';
import { extractLocalFeatures, type LocalFeatures } from './local-features';
import { keptPromises } from '../utils/kept-promises';
import { loadOpenCv } from './opencv';
import { verifyPair, type Verification } from './verify-pair';

/**
 * Compares two files' verification images. Each file's local features are computed once and kept for the next
 * pairs it is in (a file's candidates are checked one after another), until its bytes change; with a store, also
 * on disk, for the pairs it is in later, in this process or another.
 */
export type ImageRef = CachedImage & { fileId: number };
export type Comparer = (a: ImageRef, b: ImageRef) => Promise<Verification>;

/** Files whose features are kept in memory: about 85 KB each. */
const KEPT_FEATURES = 512;

export function createComparer(store?: FeatureStore): Comparer {
  const kept = keptPromises<number, LocalFeatures>(KEPT_FEATURES);
  const featuresOf = ({ fileId, contentHash, image }: ImageRef) =>
    kept(fileId, contentHash, async () => {
      // Unreadable stored features are made again, as missing ones are.
      const stored = await store?.get(fileId, contentHash).catch(() => null);
      if (stored) return stored;
      const made = await extractLocalFeatures(image);
      // Features that cannot be stored only cost the next process their making.
      await store?.put(fileId, contentHash, made).catch(() => undefined);
      return made;
    });

  return async (a, b) => {
    if (a.contentHash === b.contentHash) return { kind: 'identical', inliers: 0, match: null };
    const { cv } = await loadOpenCv();
    return verifyPair(cv, await featuresOf(a), await featuresOf(b));
  };
}
