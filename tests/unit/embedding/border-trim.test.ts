import sharp from 'sharp';
import { findContentBox, type Box } from '../../../server/src/embedding/border-trim';

/** Photo-like content: blurred noise from a seeded generator, so no line is uniform and every run is the same. */
const texture = (width: number, height: number, seed = 42) => {
  let state = seed;
  const random = () => ((state = (Math.imul(state, 1664525) + 1013904223) >>> 0) >>> 24);
  const data = Buffer.alloc(width * height * 3);
  for (let i = 0; i < data.length; i++) data[i] = random();
  return sharp(data, { raw: { width, height, channels: 3 } }).blur(1.5).png().toBuffer();
};

/** A smooth vertical gradient, like a clear sky: every line uniform, the colour drifting line by line. */
const sky = (width: number, height: number) => {
  const data = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    const t = y / (height - 1);
    for (let x = 0; x < width; x++) data.set([Math.round(110 + 90 * t), Math.round(160 + 60 * t), 250], (y * width + x) * 3);
  }
  return sharp(data, { raw: { width, height, channels: 3 } }).png().toBuffer();
};

type Border = { top?: number; bottom?: number; left?: number; right?: number; colour: { r: number; g: number; b: number } };

/** Adds a border, re-encodes as a JPEG (whose noise a real border carries), and decodes to raw pixels. */
async function bordered(content: Buffer, border?: Border, quality = 75) {
  let image = sharp(content);
  if (border) {
    const { top = 0, bottom = 0, left = 0, right = 0, colour } = border;
    image = sharp(await image.extend({ top, bottom, left, right, background: colour }).png().toBuffer());
  }
  const jpeg = await image.jpeg({ quality }).toBuffer();
  const { data, info } = await sharp(jpeg).raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height, channels: info.channels };
}

const options = { tolerance: 10, minKeptFraction: 0.25 };

/** Every edge within `slack` pixels of the expected one (JPEG rings within its 8-pixel blocks), never inside the content. */
function expectNear(box: Box | null, expected: Box, slack = 7) {
  expect(box).not.toBeNull();
  const edges = (b: Box) => [b.left, b.top, b.left + b.width, b.top + b.height];
  const [found, wanted] = [edges(box!), edges(expected)];
  found.forEach((edge, i) => {
    expect(Math.abs(edge - wanted[i])).toBeLessThanOrEqual(slack);
  });
  // Left/top edges may stop short of the content (a sliver of border kept), never cut into it.
  expect(found[0]).toBeLessThanOrEqual(wanted[0]);
  expect(found[1]).toBeLessThanOrEqual(wanted[1]);
  expect(found[2]).toBeGreaterThanOrEqual(wanted[2]);
  expect(found[3]).toBeGreaterThanOrEqual(wanted[3]);
}

describe('border trimming', () => {
  it('removes black letterbox bars despite JPEG noise', async () => {
    const pixels = await bordered(await texture(320, 180), { top: 60, bottom: 60, colour: { r: 0, g: 0, b: 0 } });
    expectNear(findContentBox(pixels, options), { left: 0, top: 60, width: 320, height: 180 });
  });

  it('removes white pillarbox bars', async () => {
    const pixels = await bordered(await texture(200, 240), { left: 70, right: 70, colour: { r: 255, g: 255, b: 255 } });
    expectNear(findContentBox(pixels, options), { left: 70, top: 0, width: 200, height: 240 });
  });

  it('removes a frame of any uniform colour on all four sides, near-black included', async () => {
    for (const colour of [
      { r: 12, g: 12, b: 12 },
      { r: 30, g: 120, b: 200 },
      { r: 240, g: 236, b: 220 },
    ]) {
      const pixels = await bordered(await texture(240, 200), { top: 24, bottom: 40, left: 16, right: 32, colour });
      expectNear(findContentBox(pixels, options), { left: 16, top: 24, width: 240, height: 200 });
    }
  });

  it('leaves an image without borders alone', async () => {
    expect(findContentBox(await bordered(await texture(300, 200)), options)).toBeNull();
  });

  it('leaves a smooth gradient, such as a clear sky, alone', async () => {
    expect(findContentBox(await bordered(await sky(300, 200)), options)).toBeNull();
  });

  it('cuts the bars around a smooth photo, not the photo', async () => {
    const pixels = await bordered(await sky(300, 160), { top: 50, bottom: 50, colour: { r: 0, g: 0, b: 0 } });
    expectNear(findContentBox(pixels, options), { left: 0, top: 50, width: 300, height: 160 });
  });

  it('leaves flat areas of different colours on opposite sides alone, like the stripes of a flag', async () => {
    const stripes = Buffer.alloc(300 * 200 * 3);
    for (let i = 0; i < 300 * 200; i++) stripes.set(i % 300 < 100 ? [0, 35, 149] : i % 300 < 200 ? [255, 255, 255] : [237, 41, 57], i * 3);
    const flag = await bordered(await sharp(stripes, { raw: { width: 300, height: 200, channels: 3 } }).png().toBuffer());
    expect(findContentBox(flag, options)).toBeNull();
  });

  it('never trims an image to nothing, nor below the minimum share', async () => {
    const uniform = await bordered(await sharp({ create: { width: 200, height: 200, channels: 3, background: '#336699' } }).png().toBuffer());
    expect(findContentBox(uniform, options)).toBeNull();
    const tiny = await bordered(await texture(20, 20), { top: 90, bottom: 90, left: 90, right: 90, colour: { r: 0, g: 0, b: 0 } });
    expect(findContentBox(tiny, options)).toBeNull();
  });

  it('keeps the border when the tolerance is below the JPEG noise of a low-quality encode', async () => {
    const pixels = await bordered(await texture(320, 180), { top: 60, bottom: 60, colour: { r: 128, g: 40, b: 40 } }, 20);
    const strict = findContentBox(pixels, { ...options, tolerance: 0 });
    const loose = findContentBox(pixels, options);
    expect(strict === null || strict.height > loose!.height).toBe(true);
    // At q20 the subsampled chroma rings across a whole 16-pixel block.
    expectNear(loose, { left: 0, top: 60, width: 320, height: 180 }, 16);
  });
});
