import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { resizedCopy, samplePhotos } from '../helpers/photos';
import sharp from 'sharp';

/** The find-duplicates command with the real model, on sample photos, copies of two of them, and a broken file. */

const CLI = path.resolve(__dirname, '../../dist/server/src/cli/main.js');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'image-search-find-duplicates-'));
const [astronaut, cat, coffee] = samplePhotos(['skimage-astronaut.png', 'skimage-chelsea.png', 'skimage-coffee.png']);

const run = (args: string[]) =>
  new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
    execFile(process.execPath, [CLI, 'find-duplicates', ...args], { env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '2' } }, (error, stdout, stderr) =>
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr })
    )
  );

let files: string[];
beforeAll(async () => {
  const broken = path.join(tmp, 'broken.jpg');
  fs.writeFileSync(broken, Buffer.from('not an image at all'));
  files = [
    astronaut,
    cat,
    coffee,
    await resizedCopy(astronaut, path.join(tmp, 'astronaut-copy.jpg')),
    await resizedCopy(cat, path.join(tmp, 'cat-copy.jpg')),
    broken,
    await sharp(coffee)
      .flop()
      .jpeg({ quality: 85 })
      .toFile(path.join(tmp, 'coffee-mirrored.jpg'))
      .then(() => path.join(tmp, 'coffee-mirrored.jpg')),
  ];
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('strapi-image-search find-duplicates', () => {
  it('prints each duplicate pair, then each group with its keeper and why, as JSON lines; unreadable files go to stderr', async () => {
    const { code, stdout, stderr } = await run(['--json', ...files]);
    // The broken file could not be read: exit 1, after the others were compared.
    expect(code).toBe(1);
    expect(stderr).toContain(`skipped ${files[5]}`);
    const lines = stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    const pairs = lines.filter((line) => 'similarity' in line);
    // Each pair verified, and named by the kind of copy it is.
    expect(pairs.map(({ a, b, kind }) => [[a, b].sort(), kind])).toEqual(
      expect.arrayContaining([
        [[astronaut, files[3]].sort(), 'resized'],
        [[cat, files[4]].sort(), 'resized'],
        [[coffee, files[6]].sort(), 'mirrored'],
      ])
    );
    expect(pairs).toHaveLength(3);
    for (const pair of pairs) expect(pair.similarity).toBeGreaterThanOrEqual(0.7);
    // The originals are larger than their copies.
    expect(lines.filter((line) => 'group' in line)).toEqual(
      expect.arrayContaining([
        { group: [astronaut, files[3]], keeper: astronaut, reason: expect.stringMatching(/^largest: \d+×\d+$/) },
        { group: [cat, files[4]], keeper: cat, reason: expect.stringMatching(/^largest: \d+×\d+$/) },
      ])
    );
    expect(lines).toHaveLength(6);
  });

  it('prints readable lines without --json, and takes a threshold', async () => {
    const { code, stdout } = await run(['--threshold', '0.999', ...files.slice(0, 5)]);
    expect(code).toBe(0);
    // Resized copies are not that close.
    expect(stdout).toBe('');
    const readable = await run(files.slice(0, 5));
    expect(readable.stdout).toMatch(new RegExp(`^group of 2: keep ${astronaut.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\(largest: `, 'm'));
    expect((await run(['--threshold', '2', ...files])).stderr).toContain('--threshold must be a number from 0 to 1');
  });
});
