import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { PACKAGE_ROOT } from '../../server/src/utils/paths';

/** Real photographs fetched by scripts/fetch-photos.sh (scripts/sample-photos.tsv). */
export const PHOTOS_DIR = path.join(PACKAGE_ROOT, '.samples/photos');

export function samplePhotos(names: readonly string[]): string[] {
  return names.map((name) => {
    const file = path.join(PHOTOS_DIR, name);
    if (!fs.existsSync(file)) throw new Error(`sample photo ${file} is missing: run npm run setup`);
    return file;
  });
}

/** A near-duplicate as editors meet them: downscaled and re-encoded as a lower-quality JPEG. */
export async function resizedCopy(source: string, target: string): Promise<string> {
  const { width = 512 } = await sharp(source).metadata();
  await sharp(source).resize(Math.round(width * 0.6)).jpeg({ quality: 70 }).toFile(target);
  return target;
}
