import { preprocessingSchema } from '../server/src/config/schema';
import { decodeForModel, decodeImage, type DecodeOptions } from '../server/src/embedding/decode';
import type { FeatureExtractor } from '../server/src/embedding/extractor';
import { encodeVerificationImage } from '../server/src/verification/verification-image';

/** What the benchmarks compute of an image, the way the worker computes it. */

/** Global vectors, in batches of 8. */
export async function vectorsOf(extractor: FeatureExtractor, images: readonly Buffer[], decode: DecodeOptions): Promise<number[][]> {
  const vectors: number[][] = [];
  for (let i = 0; i < images.length; i += 8) {
    const pixels = await Promise.all(images.slice(i, i + 8).map((bytes) => decodeForModel(bytes, decode)));
    vectors.push(...(await extractor.extract(pixels)));
  }
  return vectors;
}

/** The verification image the worker keeps: its working copy, from the same decode the vector comes from. */
export const verificationImageOf = async (bytes: Buffer): Promise<Buffer> =>
  encodeVerificationImage((await decodeImage(bytes, { ...preprocessingSchema.parse({}), size: 224 })).working);
