import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';

/** Real photographs fetched by scripts/fetch-samples.sh. */
export const PHOTOS_DIR = path.resolve(__dirname, '../../.samples/photos');

export function samplePhotos(count: number): string[] {
  const photos = fs.existsSync(PHOTOS_DIR) ? fs.readdirSync(PHOTOS_DIR).filter((name) => /\.(jpe?g|png|webp)$/i.test(name)).sort() : [];
  if (photos.length < count) throw new Error(`need ${count} sample photos in ${PHOTOS_DIR}, found ${photos.length}: run scripts/fetch-samples.sh`);
  return photos.slice(0, count).map((name) => path.join(PHOTOS_DIR, name));
}

/** A near-duplicate as editors meet them: downscaled and re-encoded as a lower-quality JPEG. */
export async function resizedCopy(source: string, target: string): Promise<string> {
  const { width = 512 } = await sharp(source).metadata();
  await sharp(source).resize(Math.round(width * 0.6)).jpeg({ quality: 70 }).toFile(target);
  return target;
}
