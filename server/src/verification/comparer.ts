import type { CachedImage } from './image-cache';
import { extractLocalFeatures, type LocalFeatures } from './local-features';
import { keptPromises } from '../utils/kept-promises';
import { loadOpenCv } from './opencv';
import { verifyPair, type Verification } from './verify-pair';

/**
 * Compares two files' verification images. Each file's local features are computed once and kept for the next
 * pairs it is in (a file's candidates are checked one after another), until its bytes change.
 */
export type ImageRef = CachedImage & { fileId: number };
export type Comparer = (a: ImageRef, b: ImageRef) => Promise<Verification>;

/** Files whose features are kept: about 45 KB each. */
const KEPT_FEATURES = 512;

export function createComparer(): Comparer {
  const kept = keptPromises<number, LocalFeatures>(KEPT_FEATURES);
  const featuresOf = ({ fileId, contentHash, image }: ImageRef) => kept(fileId, contentHash, () => extractLocalFeatures(image));

  return async (a, b) => {
    if (a.contentHash === b.contentHash) return { kind: 'identical', inliers: 0, match: null };
    const { cv } = await loadOpenCv();
    return verifyPair(cv, await featuresOf(a), await featuresOf(b));
  };
}
