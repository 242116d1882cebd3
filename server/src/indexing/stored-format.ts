import type { MediaFile, StoredFormat } from '../contracts/events';
import { WORKING_SIZE } from '../embedding/decode';

/**
 * Which of the copies Strapi stored at upload a file is indexed from: the smallest whose longer side still reaches
 * the working size every stage starts from (the model's input after trimming, the verification image), so decoding
 * costs a fraction of a camera-sized original. None when Strapi made no such copy (formats off, a small original):
 * the original is read then.
 */
export function formatToIndex(file: Partial<Pick<MediaFile, 'width' | 'height' | 'formats'>>): (StoredFormat & { name: string }) | undefined {
  const originalPixels = (file.width ?? Infinity) * (file.height ?? Infinity);
  let chosen: (StoredFormat & { name: string }) | undefined;
  for (const [name, format] of Object.entries(file.formats ?? {})) {
    const pixels = format.width * format.height;
    if (Math.max(format.width, format.height) < WORKING_SIZE || pixels >= originalPixels) continue;
    if (!chosen || pixels < chosen.width * chosen.height) chosen = { name, ...format };
  }
  return chosen;
}
