import * as tf from '@tensorflow/tfjs-node';
import sharp from 'sharp';
import { fitWhitening } from '../../../server/src/whitening/fit';
import { learnProjection, type LearnDeps } from '../../../server/src/whitening/learn';
import { EDITS_PER_IMAGE } from '../../../server/src/whitening/training-edits';
import fs from 'node:fs';
import { PHOTOS_DIR } from '../../helpers/photos';

jest.setTimeout(60_000);

/** A stand-in model: an image's 4 x 4 colour thumbnail, 48 values, L2-normalized. */
const embedOne = async (bytes: Buffer): Promise<number[] | Error> => {
  try {
    const pixels = [...(await sharp(bytes).removeAlpha().resize(4, 4, { fit: 'fill' }).raw().toBuffer())].map((value) => value / 255 - 0.5);
    const norm = Math.hypot(...pixels) || 1;
    return pixels.map((value) => value / norm);
  } catch (error) {
    return error as Error;
  }
};

function deps(images: Buffer[], minImages: number): LearnDeps & { progress: number[] } {
  const progress: number[] = [];
  return {
    modelId: 'thumbnail',
    inputDim: 48,
    count: images.length,
    minImages,
    read: async (i) => images[i],
    embed: (batch) => Promise.all(batch.map(embedOne)),
    fit: async (input) => fitWhitening(tf, input),
    onProgress: (done) => progress.push(done),
    progress,
  };
}

describe('learning a library\'s whitening', () => {
  let photos: Buffer[];
  beforeAll(async () => {
    photos = await Promise.all(fs.readdirSync(PHOTOS_DIR).map((name) => sharp(`${PHOTOS_DIR}/${name}`).resize(256, 256, { fit: 'inside' }).png().toBuffer()));
  });

  it('learns from the readable images and their edits, with thresholds calibrated on held-out ones', async () => {
    const learning = deps([...photos, Buffer.from('not an image')], 6);
    const projection = await learnProjection(learning);
    expect(projection).not.toBeNull();
    expect(projection!).toMatchObject({ modelId: 'thumbnail', inputDim: 48, dim: 48, fittedOn: { images: photos.length, pairs: photos.length * EDITS_PER_IMAGE } });
    expect(projection!.id).toMatch(/^w[0-9a-f]{12}$/);
    const { duplicate, search } = projection!.thresholds;
    expect(search).toBeLessThanOrEqual(duplicate);
    expect(duplicate).toBeLessThan(1);
    expect(learning.progress[learning.progress.length - 1]).toBe(photos.length + 1);
  });

  it('learns nothing from fewer readable images than it needs', async () => {
    expect(await learnProjection(deps(photos.slice(0, 3), 6))).toBeNull();
  });
});
