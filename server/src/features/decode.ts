import sharp, { type Sharp } from 'sharp';
import { UnindexableError } from '../errors';

/** Turns any image file into the model's input: RGB, borders trimmed, resized, raw uint8 HWC pixels. */

export interface DecodeOptions {
  size: number;
  trimBorders: boolean;
  trimTolerance: number;
}

/** Guards against decompression bombs: 100 megapixels. */
const MAX_INPUT_PIXELS = 100_000_000;

/** Side of the preview the border search runs on; borders are found on it and cut from the full image. */
const PREVIEW_SIZE = 512;

export async function decodeForModel(bytes: Buffer, options: DecodeOptions): Promise<Buffer> {
  if (bytes.length === 0) throw new UnindexableError('The file is empty');
  const oriented = () =>
    sharp(bytes, { limitInputPixels: MAX_INPUT_PIXELS, failOn: 'error' })
      .rotate() // apply EXIF orientation
      .flatten({ background: { r: 128, g: 128, b: 128 } })
      .toColourspace('srgb')
      .removeAlpha();
  try {
    let pipeline = oriented();
    if (options.trimBorders) {
      const box = await findBorderBox(oriented(), options.trimTolerance);
      if (box) pipeline = oriented().extract(box);
    }
    return await pipeline.resize(options.size, options.size, { fit: 'fill', kernel: 'cubic' }).raw().toBuffer();
  } catch (error) {
    if (error instanceof UnindexableError) throw error;
    throw new UnindexableError(`The file cannot be decoded as an image: ${(error as Error).message}`, { cause: error });
  }
}

/** Minimum share of each side that trimming keeps, so a mostly-uniform image is never cut to nothing. */
const MIN_KEPT_FRACTION = 0.25;

type Box = { left: number; top: number; width: number; height: number };

/** The content box in full-image pixels, or null when there is no border worth trimming. */
async function findBorderBox(image: Sharp, tolerance: number): Promise<Box | null> {
  const original = (await image.metadata()).autoOrient;
  const preview = await image
    .resize(PREVIEW_SIZE, PREVIEW_SIZE, { fit: 'inside', withoutEnlargement: true, kernel: 'nearest' })
    .raw()
    .toBuffer({ resolveWithObject: true });
  const { width, height, channels } = preview.info;
  const box = findContentBox(preview.data, width, height, channels, tolerance);
  if (box.width === width && box.height === height) return null;
  if (box.width < width * MIN_KEPT_FRACTION || box.height < height * MIN_KEPT_FRACTION) return null;
  // Scale back inwards, so no border pixel survives the rounding.
  const sx = original.width / width;
  const sy = original.height / height;
  const left = Math.ceil(box.left * sx);
  const top = Math.ceil(box.top * sy);
  const right = Math.floor((box.left + box.width) * sx);
  const bottom = Math.floor((box.top + box.height) * sy);
  return { left, top, width: right - left, height: bottom - top };
}

export function findContentBox(data: Uint8Array, width: number, height: number, channels: number, tolerance: number) {
  const at = (x: number, y: number, c: number) => data[(y * width + x) * channels + c];
  const near = (x: number, y: number, ref: readonly number[]) => ref.every((value, c) => Math.abs(at(x, y, c) - value) <= tolerance);
  const colour = (x: number, y: number) => Array.from({ length: channels }, (_, c) => at(x, y, c));
  const rowUniform = (y: number, ref: number[], x0: number, x1: number) => {
    for (let x = x0; x < x1; x++) if (!near(x, y, ref)) return false;
    return true;
  };
  const colUniform = (x: number, ref: number[], y0: number, y1: number) => {
    for (let y = y0; y < y1; y++) if (!near(x, y, ref)) return false;
    return true;
  };
  let top = 0;
  let bottom = height;
  let left = 0;
  let right = width;
  const topRef = colour(0, 0);
  while (top < bottom - 1 && rowUniform(top, topRef, 0, width)) top++;
  const bottomRef = colour(width - 1, height - 1);
  while (bottom - 1 > top && rowUniform(bottom - 1, bottomRef, 0, width)) bottom--;
  const leftRef = colour(0, top);
  while (left < right - 1 && colUniform(left, leftRef, top, bottom)) left++;
  const rightRef = colour(width - 1, bottom - 1);
  while (right - 1 > left && colUniform(right - 1, rightRef, top, bottom)) right--;
  return { left, top, width: right - left, height: bottom - top };
}
