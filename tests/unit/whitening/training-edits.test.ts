import sharp from 'sharp';
import { EDITS_PER_IMAGE, trainingEdits } from '../../../server/src/whitening/training-edits';
import { samplePhotos } from '../../helpers/photos';

const [astronaut] = samplePhotos(['skimage-astronaut.png']);

describe('training edits', () => {
  it('makes the same edited copies of an image for the same seed, and others for another seed', async () => {
    const bytes = await sharp(astronaut).resize(320).png().toBuffer();
    const [first, again, other] = await Promise.all([trainingEdits(bytes, 7), trainingEdits(bytes, 7), trainingEdits(bytes, 8)]);
    expect(first).toHaveLength(EDITS_PER_IMAGE);
    expect(again).toEqual(first);
    expect(other).not.toEqual(first);
    for (const edit of first) expect((await sharp(edit).metadata()).format).toBe('jpeg');
  });

  it('fails on bytes that are not an image, for the sample to do without it', async () => {
    await expect(trainingEdits(Buffer.from('not an image'), 1)).rejects.toThrow();
  });
});
