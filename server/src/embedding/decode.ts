import sharp, { type Sharp } from 'sharp';
import { UnindexableError } from '../errors/pipeline-errors';
import { decodeBmp } from './bmp';
import { findContentBox } from './border-trim';

/**
 * Turns any image file into the model's input: EXIF orientation applied, alpha flattened on neutral grey, sRGB,
 * uniform borders trimmed, resized to size x size. Returns raw RGB uint8 pixels (HWC).
 * An input that can never be decoded raises UnindexableError with a reason a person can read.
 * Pixel work runs in libvips (sharp's thread pool) or, for BMP, in a worker thread: never on the event loop, whose
 * own work here is bounded by WORKING_SIZE whatever the input declares.
 */

export interface DecodeOptions {
  size: number;
  trimBorders: boolean;
  trimTolerance: number;
  /** Decompression-bomb guard: inputs with more pixels are refused before they are decoded. */
  maxInputPixels: number;
}

/**
 * Borders are found on a copy this large at most: plenty for a 224-pixel model input, and cheap. Pair verification
 * starts from the same copy, so a smaller image whose longer side reaches this holds all the pipeline uses.
 */
export const WORKING_SIZE = 512;
/** Trimming keeps at least this share of each dimension. */
const MIN_KEPT_FRACTION = 0.25;
/** Transparent areas become this grey, a neutral colour for ImageNet models. */
const FLATTEN_BACKGROUND = { r: 128, g: 128, b: 128 };

/** Raw interleaved pixels. */
export interface RawImage {
  data: Buffer;
  width: number;
  height: number;
  channels: 1 | 2 | 3 | 4;
}

/** What the file holds, as read from it (not as a client declared it). */
export interface SourceImage {
  mime: string;
  width: number;
  height: number;
}

export async function decodeForModel(bytes: Buffer, options: DecodeOptions): Promise<Buffer> {
  return (await decodeImage(bytes, options)).pixels;
}

export interface DecodedImage {
  pixels: Buffer;
  source: SourceImage;
  /** The oriented sRGB working copy (at most WORKING_SIZE), untrimmed: what pair verification starts from. */
  working: RawImage;
}

/** What an original holds, read from its header alone: enough to decode a smaller copy of it in its stead. */
export interface OriginalImage {
  source: SourceImage;
  /** Its EXIF orientation, 1 (or absent) when upright. */
  orientation?: number;
}

/** Reads only the header, so no pixel limit applies: an original over it can still be indexed from a smaller copy. */
export async function describeImage(bytes: Buffer): Promise<OriginalImage> {
  const { source, orientation } = await open(bytes, false);
  return { source, orientation };
}

/**
 * The model's input, what the source image was, and the working copy it was made from. With `original`, `bytes` are
 * a smaller copy of that original (a format Strapi stored): it is described as the original, and oriented as the
 * original is when the copy lost the original's orientation tag, as Strapi's formats do.
 */
export async function decodeImage(bytes: Buffer, options: DecodeOptions, original?: OriginalImage): Promise<DecodedImage> {
  if (bytes.length === 0) throw new UnindexableError('the file is empty');
  const opened = await open(bytes, options.maxInputPixels);
  const source = original?.source ?? opened.source;
  const input = original && !opened.orientation ? orient(opened.input, original.orientation) : opened.input.rotate();
  try {
    const working = await input
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
    const pixels = await output.resize(options.size, options.size, { fit: 'fill', kernel: 'cubic' }).raw().toBuffer();
    return { pixels, source, working: { data: working.data, width, height, channels } };
  } catch (error) {
    throw new UnindexableError(`the image cannot be decoded: ${describe(error)}`, { cause: error });
  }
}

/** EXIF orientation applied by hand, to pixels stored as the original stores them but without its tag. */
function orient(image: Sharp, orientation = 1): Sharp {
  switch (orientation) {
    case 2:
      return image.flop();
    case 3:
      return image.rotate(180);
    case 4:
      return image.flip();
    case 5:
      return image.rotate(90).flip();
    case 6:
      return image.rotate(90);
    case 7:
      return image.rotate(270).flip();
    case 8:
      return image.rotate(270);
    default:
      return image;
  }
}

/** A sharp pipeline on the first frame of the image; BMP, which libvips lacks here, is decoded in a worker thread. */
async function open(bytes: Buffer, maxInputPixels: number | false): Promise<{ input: Sharp; source: SourceImage; orientation?: number }> {
  if (isBmp(bytes)) return openBmp(bytes, maxInputPixels);
  // Buffers only: librsvg then has no base location to resolve external references of an SVG against.
  const options = { limitInputPixels: maxInputPixels, failOn: 'error' as const };
  try {
    const { format, compression, width = 0, height = 0, orientation } = await sharp(bytes, options).metadata();
    if (width * height === 0) throw new UnindexableError('the image has no pixels');
    return { input: sharp(bytes, options), source: { mime: mimeOf(format, compression), width, height }, orientation: orientation !== 1 ? orientation : undefined };
  } catch (error) {
    if (error instanceof UnindexableError) throw error;
    throw new UnindexableError(describe(error, maxInputPixels), { cause: error });
  }
}

const isBmp = (bytes: Buffer) => bytes.length > 26 && bytes[0] === 0x42 && bytes[1] === 0x4d;

async function openBmp(bytes: Buffer, maxInputPixels: number | false): Promise<{ input: Sharp; source: SourceImage }> {
  // The header says how big the image is before anything is allocated for it.
  const width = Math.abs(bytes.readInt32LE(18));
  const height = Math.abs(bytes.readInt32LE(22));
  if (width * height === 0) throw new UnindexableError('the image has no pixels');
  if (maxInputPixels !== false && width * height > maxInputPixels) throw new UnindexableError(tooLarge(maxInputPixels));
  try {
    // Shrunk to the working size in the thread: the pipeline would shrink it to that first anyway.
    const { image, source } = await decodeBmp(bytes, WORKING_SIZE);
    const input = sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } });
    return { input, source: { mime: 'image/bmp', ...source } };
  } catch (error) {
    throw new UnindexableError(`the BMP file is corrupt: ${describe(error)}`, { cause: error });
  }
}

/** sharp's format names as MIME types; AVIF is HEIF with AV1 compression. */
function mimeOf(format: string | undefined, compression: string | undefined): string {
  if (format === 'heif') return compression === 'av1' ? 'image/avif' : 'image/heic';
  const known: Record<string, string> = { jpeg: 'image/jpeg', png: 'image/png', webp: 'image/webp', gif: 'image/gif', tiff: 'image/tiff', svg: 'image/svg+xml', jp2: 'image/jp2', jxl: 'image/jxl' };
  return (format && known[format]) ?? `image/${format ?? 'unknown'}`;
}

const tooLarge = (maxInputPixels: number) => `the image has more pixels than the limit of ${maxInputPixels.toLocaleString('en')}`;

/** libvips' messages, turned into reasons an editor can act on. */
function describe(error: unknown, maxInputPixels?: number | false): string {
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
