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

const photosIn = (dir: string) => (fs.existsSync(dir) ? fs.readdirSync(dir).filter((name) => /\.(jpe?g|png)$/i.test(name)).sort().map((name) => path.join(dir, name)) : []);

/** Every real photograph available to the benchmarks: the samples, and the quality set when it was fetched. */
export function benchmarkPhotos(): string[] {
  return [...samplePhotos(), ...photosIn(path.join(PACKAGE_ROOT, '.samples', 'quality'))];
}

/** Distinct photos that no edited copy is made of (scripts/distractor-photos.tsv, fetched by bench:quality). */
export const distractorPhotos = () => photosIn(path.join(PACKAGE_ROOT, '.samples', 'distractors'));

/** Similar but different shots of one scene (scripts/similar-shots.tsv), each with the name of its set. */
export function similarShots(): Array<{ file: string; set: string }> {
  const dir = path.join(PACKAGE_ROOT, '.samples', 'similar-shots');
  const manifest = fs.readFileSync(path.join(PACKAGE_ROOT, 'scripts', 'similar-shots.tsv'), 'utf8');
  return manifest
    .split('\n')
    .filter((line) => line.trim() && !line.startsWith('#'))
    .map((line) => line.split('\t'))
    .map((columns) => ({ file: path.join(dir, columns[5]), set: columns[6] }))
    .filter(({ file }) => fs.existsSync(file));
}
