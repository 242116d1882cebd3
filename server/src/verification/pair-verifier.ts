import type { CachedImage, VerificationImageCache } from './image-cache';
import { extractLocalFeatures, type LocalFeatures } from './local-features';
import { loadOpenCv } from './opencv';
import { verifyPair, type Verification } from './verify-pair';

/**
 * Verifies pairs of indexed files by id. Each file's local features are computed once from its cached
 * verification image and kept for the next pairs it is in (a file's candidates are checked one after another).
 */
export interface PairVerifier {
  /** Null when a file's verification image is missing and cannot be made here. */
  verify(a: number, b: number): Promise<Verification | null>;
}

/** Files whose features are kept: about 45 KB each. */
const KEPT_FEATURES = 512;

export function createPairVerifier(deps: {
  images: VerificationImageCache;
  /** Makes a missing verification image from the file itself, where the file can be fetched (Strapi). */
  makeMissing?: (fileId: number) => Promise<CachedImage | null>;
}): PairVerifier {
  const { images, makeMissing } = deps;
  const kept = new Map<number, { contentHash: string; features: Promise<LocalFeatures> }>();

  async function imageOf(fileId: number): Promise<CachedImage | null> {
    const cached = await images.get(fileId);
    if (cached || !makeMissing) return cached;
    const made = await makeMissing(fileId);
    if (made) await images.put(fileId, made);
    return made;
  }

  async function featuresOf(fileId: number): Promise<{ contentHash: string; features: Promise<LocalFeatures> } | null> {
    const image = await imageOf(fileId);
    if (!image) return null;
    const held = kept.get(fileId);
    // Re-inserted on use, so the map's order is least recently used first.
    kept.delete(fileId);
    const entry = held?.contentHash === image.contentHash ? held : { contentHash: image.contentHash, features: extractLocalFeatures(image.image) };
    kept.set(fileId, entry);
    if (kept.size > KEPT_FEATURES) kept.delete(kept.keys().next().value!);
    entry.features.catch(() => kept.get(fileId) === entry && kept.delete(fileId));
    return entry;
  }

  return {
    async verify(a, b) {
      const [first, second] = await Promise.all([featuresOf(a), featuresOf(b)]);
      if (!first || !second) return null;
      if (first.contentHash === second.contentHash) return { kind: 'identical', inliers: 0, match: null };
      const { cv } = await loadOpenCv();
      return verifyPair(cv, await first.features, await second.features);
    },
  };
}
