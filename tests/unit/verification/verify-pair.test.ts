import fs from 'node:fs';
import sharp, { type Sharp } from 'sharp';
import { createMemoryImageCache } from '../../../server/src/verification/image-cache';
import { extractLocalFeatures, type LocalFeatures } from '../../../server/src/verification/local-features';
import { loadOpenCv } from '../../../server/src/verification/opencv';
import { createPairVerifier } from '../../../server/src/verification/pair-verifier';
import { matchedShares } from '../../../server/src/verification/matched-shares';
import { verifyPair } from '../../../server/src/verification/verify-pair';
import { samplePhotos } from '../../helpers/photos';

/** The verification image the worker keeps: the oriented working copy, at most 512 px, as JPEG. */
const verificationImage = (image: Sharp) => image.rotate().resize(512, 512, { fit: 'inside', withoutEnlargement: true }).jpeg({ quality: 88 }).toBuffer();

const [astronaut, coffee, chelsea] = samplePhotos(['skimage-astronaut.png', 'skimage-coffee.png', 'skimage-chelsea.png']);

async function featuresOf(file: string, edit: (image: Sharp, width: number, height: number) => Sharp | Promise<Sharp> = (image) => image) {
  const { width = 0, height = 0 } = await sharp(file).metadata();
  const edited = await (await edit(sharp(file), width, height)).png().toBuffer();
  return extractLocalFeatures(await verificationImage(sharp(edited)));
}

describe('pair verification (stage 2)', () => {
  let original: LocalFeatures;
  beforeAll(async () => {
    original = await featuresOf(astronaut);
  });

  it.each([
    ['a downscaled re-encode', (image: Sharp, width: number) => image.resize(Math.round(width * 0.4)).jpeg({ quality: 40 }), 'resized'],
    [
      'an off-centre crop',
      (image: Sharp, width: number, height: number) =>
        image.extract({ left: Math.round(width * 0.1), top: Math.round(height * 0.2), width: Math.round(width * 0.6), height: Math.round(height * 0.6) }),
      'cropped',
    ],
    ['a mirrored copy', (image: Sharp) => image.flop(), 'mirrored'],
    ['a greyscale copy', (image: Sharp) => image.grayscale(), 'edited'],
  ])('verifies %s as %s', async (_name, edit, kind) => {
    const { cv } = await loadOpenCv();
    const verification = verifyPair(cv, original, await featuresOf(astronaut, edit));
    expect(verification.kind).toBe(kind);
    expect(verification.inliers).toBeGreaterThanOrEqual(12);
  });

  it.each([
    ['a downscaled copy', (image: Sharp, width: number) => image.resize(Math.round(width * 0.4)), (ax: number) => ax],
    ['a mirrored copy', (image: Sharp) => image.flop(), (ax: number) => 1 - ax],
  ])('places the matched points of %s where they are in each image, as displayed', async (_name, edit, expectedX) => {
    const { cv } = await loadOpenCv();
    const { match } = verifyPair(cv, original, await featuresOf(astronaut, edit));
    const shares = matchedShares(match!, 40);
    expect(shares).toHaveLength(40);
    for (const [ax, ay, bx, by] of shares) {
      expect(Math.abs(bx - expectedX(ax))).toBeLessThan(0.02);
      expect(Math.abs(by - ay)).toBeLessThan(0.02);
    }
  });

  it('finds no copy between different photos, either way round or mirrored', async () => {
    const { cv } = await loadOpenCv();
    for (const other of [coffee, chelsea]) {
      const features = await featuresOf(other);
      expect(verifyPair(cv, original, features).kind).toBeNull();
      expect(verifyPair(cv, features, original).kind).toBeNull();
    }
  });

  describe('different photos that share a part', () => {
    /** The same window around each photo, as in two screenshots of one app. */
    const window = async (image: Sharp, width: number, height: number) => {
      const bar = Math.round(height * 0.12);
      const side = Math.round(width * 0.2);
      const frame = `<svg xmlns="http://www.w3.org/2000/svg" width="${width + side}" height="${height + bar}">
        <rect width="100%" height="100%" fill="#f4f4f6"/><rect width="100%" height="${bar}" fill="#dcdde2"/>
        ${['Home', 'Content', 'Media', 'Settings', 'Plugins', 'Users', 'Search', 'Help'].map((label, i) => `<text x="12" y="${bar + 40 + i * 44}" font-family="sans-serif" font-size="22" fill="#222">${label}</text>`).join('')}
        <text x="${side}" y="${bar * 0.7}" font-family="sans-serif" font-size="${bar * 0.5}" fill="#333">Media Library - Search</text>
      </svg>`;
      return sharp(Buffer.from(frame)).composite([{ input: await image.png().toBuffer(), left: side, top: bar }]);
    };
    /** The same large caption over each photo. */
    const caption = (image: Sharp, width: number, height: number) =>
      image.composite([
        {
          input: Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">
            <text x="50%" y="50%" text-anchor="middle" font-family="sans-serif" font-weight="bold" font-size="${width / 7}" fill="white" stroke="black" stroke-width="4">SAMPLE 2026</text></svg>`),
        },
      ]);

    it.each([
      ['the same screenshot window', window, 'cropped'],
      ['the same caption', caption, 'edited'],
    ])('are not copies when they share %s, while each photo still verifies with its own copy', async (_name, edit, kind) => {
      const { cv } = await loadOpenCv();
      const [framed, other] = await Promise.all([featuresOf(astronaut, edit), featuresOf(coffee, edit)]);
      expect(verifyPair(cv, original, framed).kind).toBe(kind);
      // The shared part matches (without the structure gate, the two would pass at least as one scene)...
      expect(verifyPair(cv, framed, other, -Infinity).kind).not.toBeNull();
      // ...but the pictures do not: at most the same scene, which no default counts.
      for (const [a, b] of [
        [framed, other],
        [other, framed],
      ])
        expect([null, 'similar']).toContain(verifyPair(cv, a, b).kind);
    });
  });

  it('calls two shots that each show what the other does not (a pan) the same scene, while each is a crop of the whole', async () => {
    const { cv } = await loadOpenCv();
    const part = (left: number) => (image: Sharp, width: number, height: number) =>
      image.extract({ left: Math.round(width * left), top: Math.round(height * 0.1), width: Math.round(width * 0.65), height: Math.round(height * 0.8) });
    const [leftShot, rightShot] = await Promise.all([featuresOf(astronaut, part(0)), featuresOf(astronaut, part(0.35))]);
    expect(verifyPair(cv, leftShot, rightShot).kind).toBe('similar');
    expect(verifyPair(cv, rightShot, leftShot).kind).toBe('similar');
    expect(verifyPair(cv, original, leftShot).kind).toBe('cropped');
    expect(verifyPair(cv, rightShot, original).kind).toBe('cropped');
  });

  it('leaves nothing to match in an image without texture, rather than failing', async () => {
    const { cv } = await loadOpenCv();
    const flat = await extractLocalFeatures(
      await sharp({ create: { width: 300, height: 200, channels: 3, background: '#3366aa' } })
        .jpeg()
        .toBuffer()
    );
    expect(flat.direct.points.length).toBe(0);
    expect(verifyPair(cv, original, flat)).toMatchObject({ kind: null, inliers: 0 });
  });
});

describe('pair verifier', () => {
  it('calls the same bytes identical, makes a missing image where it can, and answers null where it cannot', async () => {
    const image = await verificationImage(sharp(fs.readFileSync(astronaut)));
    const images = createMemoryImageCache();
    await images.put(1, { contentHash: 'a'.repeat(64), image });
    await images.put(2, { contentHash: 'a'.repeat(64), image });
    const made: number[] = [];
    const verifier = createPairVerifier({
      images,
      makeMissing: async (fileId) => (made.push(fileId), fileId === 3 ? { contentHash: 'b'.repeat(64), image } : null),
    });
    expect(await verifier.verify(1, 2)).toMatchObject({ kind: 'identical' });
    expect(await verifier.verify(1, 3)).toMatchObject({ kind: 'resized' });
    expect(await images.get(3)).not.toBeNull();
    expect(await verifier.verify(1, 4)).toBeNull();
    expect(await createPairVerifier({ images }).verify(1, 5)).toBeNull();
    expect(made).toEqual([3, 4]);
  });
});
