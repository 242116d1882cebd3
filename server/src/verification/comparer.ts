import type { CachedImage } from './image-cache';
import { extractLocalFeatures, type LocalFeatures } from './local-features';
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
  const kept = new Map<number, { contentHash: string; features: Promise<LocalFeatures> }>();

  function featuresOf({ fileId, contentHash, image }: ImageRef): Promise<LocalFeatures> {
    const held = kept.get(fileId);
    // Re-inserted on use, so the map's order is least recently used first.
    kept.delete(fileId);
    const entry = held?.contentHash === contentHash ? held : { contentHash, features: extractLocalFeatures(image) };
    kept.set(fileId, entry);
    if (kept.size > KEPT_FEATURES) kept.delete(kept.keys().next().value!);
    entry.features.catch(() => kept.get(fileId) === entry && kept.delete(fileId));
    return entry.features;
  }

  return async (a, b) => {
    if (a.contentHash === b.contentHash) return { kind: 'identical', inliers: 0, match: null };
    const { cv } = await loadOpenCv();
    return verifyPair(cv, await featuresOf(a), await featuresOf(b));
  };
}
