import { decode as decodeBmp } from 'bmp-ts';
import sharp, { type Sharp } from 'sharp';
import { UnindexableError } from '../errors';
import { findContentBox } from './border-trim';

/**
 * Turns any image file into the model's input: EXIF orientation applied, alpha flattened on neutral grey, sRGB,
 * uniform borders trimmed, resized to size x size. Returns raw RGB uint8 pixels (HWC).
 * An input that can never be decoded raises UnindexableError with a reason a person can read.
 */

export interface DecodeOptions {
  size: number;
  trimBorders: boolean;
  trimTolerance: number;
  /** Decompression-bomb guard: inputs with more pixels are refused before they are decoded. */
  maxInputPixels: number;
}

/** Borders are found on a copy this large at most: plenty for a 224-pixel model input, and cheap. */
const WORKING_SIZE = 512;
/** Trimming keeps at least this share of each dimension. */
const MIN_KEPT_FRACTION = 0.25;
/** Transparent areas become this grey, a neutral colour for ImageNet models. */
const FLATTEN_BACKGROUND = { r: 128, g: 128, b: 128 };

export async function decodeForModel(bytes: Buffer, options: DecodeOptions): Promise<Buffer> {
  if (bytes.length === 0) throw new UnindexableError('the file is empty');
  const input = await open(bytes, options.maxInputPixels);
  try {
    const working = await input
      .rotate()
      .flatten({ background: FLATTEN_BACKGROUND })
      .toColourspace('srgb')
      .removeAlpha()
      .resize(WORKING_SIZE, WORKING_SIZE, { fit: 'inside', withoutEnlargement: true })
      .raw()
      .toBuffer({ resolveWithObject: true });
    const { width, height, channels } = working.info;
    const box = options.trimBorders
      ? findContentBox({ data: working.data, width, height, channels }, { tolerance: options.trimTolerance, minKeptFraction: MIN_KEPT_FRACTION })
      : null;
    let output = sharp(working.data, { raw: { width, height, channels } });
    if (box) output = output.extract(box);
    return await output.resize(options.size, options.size, { fit: 'fill', kernel: 'cubic' }).raw().toBuffer();
  } catch (error) {
    throw new UnindexableError(`the image cannot be decoded: ${describe(error)}`, { cause: error });
  }
}

/** A sharp pipeline on the first frame of the image; formats libvips lacks here (BMP) are decoded in JS. */
async function open(bytes: Buffer, maxInputPixels: number): Promise<Sharp> {
  if (isBmp(bytes)) return openBmp(bytes, maxInputPixels);
  // Buffers only: librsvg then has no base location to resolve external references of an SVG against.
  const options = { limitInputPixels: maxInputPixels, failOn: 'error' as const };
  try {
    const { width = 0, height = 0 } = await sharp(bytes, options).metadata();
    if (width * height === 0) throw new UnindexableError('the image has no pixels');
  } catch (error) {
    if (error instanceof UnindexableError) throw error;
    throw new UnindexableError(describe(error, maxInputPixels), { cause: error });
  }
  return sharp(bytes, options);
}

const isBmp = (bytes: Buffer) => bytes.length > 26 && bytes[0] === 0x42 && bytes[1] === 0x4d;

function openBmp(bytes: Buffer, maxInputPixels: number): Sharp {
  // The header says how big the image is before anything is allocated for it.
  const width = Math.abs(bytes.readInt32LE(18));
  const height = Math.abs(bytes.readInt32LE(22));
  if (width * height > maxInputPixels) throw new UnindexableError(tooLarge(maxInputPixels));
  try {
    const bmp = decodeBmp(bytes, { toRGBA: true });
    // BMP's alpha byte is unused in most files (often 0), so it is dropped rather than flattened.
    const rgb = Buffer.alloc(bmp.width * bmp.height * 3);
    for (let i = 0, j = 0; j < rgb.length; i += 4, j += 3) rgb.set(bmp.data.subarray(i, i + 3), j);
    return sharp(rgb, { raw: { width: bmp.width, height: bmp.height, channels: 3 } });
  } catch (error) {
    throw new UnindexableError(`the BMP file is corrupt: ${describe(error)}`, { cause: error });
  }
}

const tooLarge = (maxInputPixels: number) => `the image has more pixels than the limit of ${maxInputPixels.toLocaleString('en')}`;

/** libvips' messages, turned into reasons an editor can act on. */
function describe(error: unknown, maxInputPixels?: number): string {
  const message = error instanceof Error ? error.message : String(error);
  if (/unsupported image format/i.test(message)) return 'not an image, or an image format this server cannot read';
  if (/pixel limit/i.test(message) && maxInputPixels) return tooLarge(maxInputPixels);
  if (/heif.*(unsupported|codec)|compression format has not been built in/i.test(message)) {
    return 'HEIC images (HEVC) cannot be decoded by this build of libvips; convert it to JPEG, PNG, WebP or AVIF';
  }
  if (/premature end|truncated|unexpected end|corrupt|bad (huffman|marker)|invalid|not a .* file|read error/i.test(message)) {
    return `the file is truncated or corrupt (${message.split('\n')[0]})`;
  }
  return message.split('\n')[0];
}
