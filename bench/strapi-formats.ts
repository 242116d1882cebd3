import sharp from 'sharp';
import type { StoredFormat } from '../server/src/contracts/events';
import { describeImage } from '../server/src/embedding/decode';
import { formatToIndex } from '../server/src/indexing/stored-format';

/**
 * The formats Strapi's upload plugin stores of an image, made as it makes them (its default breakpoints): each one
 * smaller than the image, resized inside a square, re-encoded in the image's own format at sharp's defaults, its
 * metadata (the orientation tag too) dropped.
 */
const BREAKPOINTS = { large: 1000, medium: 750, small: 500 } as const;

export interface StoredImage {
  width: number;
  height: number;
  formats: Record<string, StoredFormat>;
  /** Each format's bytes, by its url (its name here). */
  bytes: Map<string, Buffer>;
}

export async function strapiFormats(original: Buffer): Promise<StoredImage> {
  const { width = 0, height = 0 } = await sharp(original).metadata();
  const formats: Record<string, StoredFormat> = {};
  const bytes = new Map<string, Buffer>();
  for (const [name, side] of Object.entries(BREAKPOINTS)) {
    if (side >= width && side >= height) continue;
    try {
      const { data, info } = await sharp(original).resize({ width: side, height: side, fit: 'inside' }).toBuffer({ resolveWithObject: true });
      formats[name] = { url: name, width: info.width, height: info.height };
      bytes.set(name, data);
    } catch {
      // sharp refuses a JPEG with corrupt data at its defaults, as in Strapi: no format, the worker reads the original
    }
  }
  return { width, height, formats, bytes };
}

/**
 * The bytes a worker decodes for an uploaded image: the format it is indexed from, or the original. The original's
 * orientation tag is written back into the format (one more encode, for the few photos that have one), so that any
 * decode of these bytes sees what the worker sees.
 */
export async function bytesIndexedFrom(original: Buffer): Promise<Buffer> {
  const stored = await strapiFormats(original);
  const chosen = formatToIndex(stored);
  if (!chosen) return original;
  const format = stored.bytes.get(chosen.url)!;
  const { orientation } = await describeImage(original);
  return orientation ? sharp(format).withMetadata({ orientation }).toBuffer() : format;
}
