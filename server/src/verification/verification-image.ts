import sharp from 'sharp';
import type { RawImage } from '../embedding/decode';

/**
 * What a file's verification needs, kept from the decode the model input came from: its working copy (oriented,
 * sRGB, at most 512 px) as a JPEG of a few tens of KB. Pair checks start from it, so the original is never fetched
 * nor decoded again.
 */
const QUALITY = 88;

export const encodeVerificationImage = ({ data, width, height, channels }: RawImage): Promise<Buffer> =>
  sharp(data, { raw: { width, height, channels } }).jpeg({ quality: QUALITY }).toBuffer();
