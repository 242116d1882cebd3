import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { createComparer } from '../../../server/src/verification/comparer';
import { createDiskFeatureStore, type FeatureStore } from '../../../server/src/verification/feature-store';
import { cacheFileOf, createDiskImageCache } from '../../../server/src/verification/image-cache';
import { extractLocalFeatures, type LocalFeatures } from '../../../server/src/verification/local-features';
import { samplePhotos } from '../../helpers/photos';

const [astronaut] = samplePhotos(['skimage-astronaut.png']);
const HASH = 'a'.repeat(64);

const verificationImage = (file: string, width = 512) => sharp(file).resize(width).jpeg({ quality: 88 }).toBuffer();

describe('stored local features', () => {
  let dir: string;
  let features: LocalFeatures;
  beforeAll(async () => {
    features = await extractLocalFeatures(await verificationImage(astronaut));
  });
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'features-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('reads back the features it stored, for the same bytes only', async () => {
    const store = createDiskFeatureStore(dir);
    await store.put(7, HASH, features);
    expect(await store.get(7, HASH)).toEqual(features);
    expect(await store.get(7, 'b'.repeat(64))).toBeNull();
    expect(await store.get(8, HASH)).toBeNull();
  });

  it('refuses features made another way, and a damaged file', async () => {
    const store = createDiskFeatureStore(dir);
    await store.put(7, HASH, features);
    const file = cacheFileOf(dir, 7, 'features');
    const bytes = fs.readFileSync(file);
    fs.writeFileSync(file, Buffer.concat([bytes.subarray(0, 64), Buffer.from('an-older-version'.padEnd(64), 'ascii'), bytes.subarray(128)]));
    expect(await store.get(7, HASH)).toBeNull();
    fs.writeFileSync(file, bytes.subarray(0, bytes.length - 10));
    await expect(store.get(7, HASH)).rejects.toThrow(/do not add up/);
  });

  it('goes with the file: removing its verification image removes its features', async () => {
    const images = createDiskImageCache(dir);
    await images.put(7, { contentHash: HASH, image: Buffer.from('jpeg') });
    await createDiskFeatureStore(dir).put(7, HASH, features);
    await images.remove(7);
    expect(fs.existsSync(cacheFileOf(dir, 7, 'features'))).toBe(false);
    expect(await images.get(7)).toBeNull();
  });

  it('spares a later comparer the making: the same verification from stored features', async () => {
    const store = createDiskFeatureStore(dir);
    const puts: number[] = [];
    const counting: FeatureStore = { get: store.get, put: (fileId, hash, made) => (puts.push(fileId), store.put(fileId, hash, made)) };
    const a = { fileId: 1, contentHash: HASH, image: await verificationImage(astronaut) };
    const b = { fileId: 2, contentHash: 'b'.repeat(64), image: await verificationImage(astronaut, 300) };
    const first = await createComparer(counting)(a, b);
    expect(puts).toEqual([1, 2]);
    const later = await createComparer(counting)(a, b);
    expect(puts).toEqual([1, 2]);
    expect(later).toEqual(first);
    expect(first.kind).toBe('resized');
  });
});
