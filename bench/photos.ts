import fs from 'node:fs';
import path from 'node:path';
import { PACKAGE_ROOT } from '../server/src/utils/paths';

/** The real photographs of scripts/sample-photos.tsv, which setup fetches. */
export function samplePhotos(): string[] {
  const dir = path.join(PACKAGE_ROOT, '.samples', 'photos');
  const photos = fs.existsSync(dir) ? fs.readdirSync(dir).filter((name) => /\.(jpe?g|png)$/i.test(name)).map((name) => path.join(dir, name)) : [];
  if (photos.length === 0) throw new Error(`no photos in ${dir}: run npm run setup`);
  return photos.sort();
}

/** `count` items, repeating `items` in order. */
export const cycle = <T>(items: readonly T[], count: number): T[] => Array.from({ length: count }, (_, i) => items[i % items.length]);

/** Every real photograph available to the benchmarks: the samples, and the quality set when it was fetched. */
export function benchmarkPhotos(): string[] {
  const quality = path.join(PACKAGE_ROOT, '.samples', 'quality');
  const extra = fs.existsSync(quality) ? fs.readdirSync(quality).filter((name) => /\.(jpe?g|png)$/i.test(name)).map((name) => path.join(quality, name)) : [];
  return [...samplePhotos(), ...extra.sort()];
}
