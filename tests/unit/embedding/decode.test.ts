import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { encode as encodeBmp } from 'bmp-ts';
import sharp from 'sharp';
import { decodeForModel, decodeImage, type DecodeOptions } from '../../../server/src/embedding/decode';
import { plainBmpBomb, rleBmpBomb } from '../../helpers/bombs';
import { UnindexableError } from '../../../server/src/errors/pipeline-errors';

const SIZE = 16;
const options: DecodeOptions = { size: SIZE, trimBorders: false, trimTolerance: 10, maxInputPixels: 100_000_000 };
const decode = (bytes: Buffer, overrides: Partial<DecodeOptions> = {}) => decodeForModel(bytes, { ...options, ...overrides });

/** Left half red, right half blue: orientation and colour survive decoding or they do not. */
const halves = () => {
  const width = 64;
  const height = 32;
  const data = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data.set(x < width / 2 ? [220, 20, 20] : [20, 20, 220], (y * width + x) * 3);
  return sharp(data, { raw: { width, height, channels: 3 } });
};

const pixelAt = (pixels: Buffer, x: number, y: number) => [...pixels.subarray((y * SIZE + x) * 3, (y * SIZE + x) * 3 + 3)];
const isRed = ([r, g, b]: number[]) => r > g + 60 && r > b + 60;
const isBlue = ([r, g, b]: number[]) => b > r + 60 && b > g + 60;

/** Decodes and checks the red/blue halves landed left and right. */
async function expectHalves(bytes: Buffer) {
  const pixels = await decode(bytes);
  expect(pixels).toHaveLength(SIZE * SIZE * 3);
  expect(isRed(pixelAt(pixels, 2, SIZE / 2))).toBe(true);
  expect(isBlue(pixelAt(pixels, SIZE - 3, SIZE / 2))).toBe(true);
}

async function expectUnindexable(bytes: Buffer, reason: RegExp, overrides: Partial<DecodeOptions> = {}) {
  const error = await decode(bytes, overrides).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(UnindexableError);
  expect((error as UnindexableError).retriable).toBe(false);
  expect((error as Error).message).toMatch(reason);
}

describe('decoding every common image format', () => {
  it.each([
    ['JPEG', () => halves().jpeg().toBuffer()],
    ['progressive JPEG', () => halves().jpeg({ progressive: true }).toBuffer()],
    ['CMYK JPEG', () => halves().toColourspace('cmyk').jpeg().toBuffer()],
    ['PNG', () => halves().png().toBuffer()],
    ['16-bit PNG', () => halves().toColourspace('rgb16').png().toBuffer()],
    ['palette PNG', () => halves().png({ palette: true }).toBuffer()],
    ['WebP', () => halves().webp().toBuffer()],
    ['AVIF', () => halves().avif().toBuffer()],
    ['GIF', () => halves().gif().toBuffer()],
    ['TIFF', () => halves().tiff().toBuffer()],
  ])('%s', async (_, make) => {
    await expectHalves(await make());
  });

  it('BMP, which libvips lacks here', async () => {
    const { data, info } = await halves().ensureAlpha().raw().toBuffer({ resolveWithObject: true });
    // bmp-ts takes ABGR.
    const abgr = Buffer.alloc(data.length);
    for (let i = 0; i < data.length; i += 4) abgr.set([255, data[i + 2], data[i + 1], data[i]], i);
    const bmp = encodeBmp({ data: abgr, width: info.width, height: info.height, bitPP: 24 }).data;
    await expectHalves(bmp);
    expect((await decodeImage(bmp, options)).source).toEqual({ mime: 'image/bmp', width: 64, height: 32 });
  });

  it('reports the source format and size, as read from the file', async () => {
    const { source } = await decodeImage(await halves().webp().toBuffer(), options);
    expect(source).toEqual({ mime: 'image/webp', width: 64, height: 32 });
    const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="30" height="20"><rect width="30" height="20"/></svg>');
    expect((await decodeImage(svg, options)).source).toEqual({ mime: 'image/svg+xml', width: 30, height: 20 });
    expect((await decodeImage(await halves().avif().toBuffer(), options)).source.mime).toBe('image/avif');
  });

  it('a BMP bomb: 1 KB of RLE declaring 100 million pixels decodes in a worker thread, to a black image', async () => {
    const { pixels, source } = await decodeImage(rleBmpBomb(), options);
    expect(source).toEqual({ mime: 'image/bmp', width: 10_000, height: 10_000 });
    expect(Math.max(...pixels)).toBe(0);
  });

  it('a truncated BMP declaring 100 million pixels is refused as corrupt', async () => {
    await expectUnindexable(plainBmpBomb(), /BMP file is corrupt/);
  });

  it('SVG, rasterized', async () => {
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="64" height="32"><rect width="32" height="32" fill="#dc1414"/><rect x="32" width="32" height="32" fill="#1414dc"/></svg>`;
    await expectHalves(Buffer.from(svg));
  });

  it('the first frame of an animated GIF', async () => {
    const frames = await sharp({ create: { width: 32, height: 32, channels: 3, background: '#dc1414' } })
      .joinChannel([])
      .raw()
      .toBuffer();
    const blue = Buffer.from(frames.map((_, i) => [20, 20, 220][i % 3]));
    const animated = await sharp(Buffer.concat([frames, blue]), { raw: { width: 32, height: 64, channels: 3, pageHeight: 32 } } as never)
      .gif({ loop: 0 })
      .toBuffer();
    expect((await sharp(animated, { pages: -1 }).metadata()).pages).toBe(2);
    const pixels = await decode(animated);
    expect(isRed(pixelAt(pixels, SIZE / 2, SIZE / 2))).toBe(true);
  });
});

describe('decoding what a camera or an editor produces', () => {
  it('applies the EXIF orientation', async () => {
    // Orientation 6: shown rotated 90° clockwise, so the red left half ends up on top.
    const pixels = await decode(await halves().jpeg().withMetadata({ orientation: 6 }).toBuffer());
    expect(isRed(pixelAt(pixels, SIZE / 2, 2))).toBe(true);
    expect(isBlue(pixelAt(pixels, SIZE / 2, SIZE - 3))).toBe(true);
  });

  it('flattens transparency on neutral grey', async () => {
    const clear = await sharp({ create: { width: 20, height: 20, channels: 4, background: { r: 255, g: 0, b: 0, alpha: 0 } } }).png().toBuffer();
    const pixels = await decode(clear);
    for (const value of pixelAt(pixels, 5, 5)) expect(Math.abs(value - 128)).toBeLessThanOrEqual(1);
  });

  it('upscales tiny images to the model input', async () => {
    const tiny = await sharp({ create: { width: 3, height: 2, channels: 3, background: '#1414dc' } }).png().toBuffer();
    const pixels = await decode(tiny, { size: 224 });
    expect(pixels).toHaveLength(224 * 224 * 3);
  });

  it('trims borders when asked to', async () => {
    const framed = await halves().extend({ top: 40, bottom: 40, background: '#000000' }).png().toBuffer();
    expect(pixelAt(await decode(framed), 2, 1)).toEqual([0, 0, 0]);
    const trimmed = await decode(framed, { trimBorders: true });
    expect(isRed(pixelAt(trimmed, 2, 1))).toBe(true);
    expect(isBlue(pixelAt(trimmed, SIZE - 3, SIZE - 2))).toBe(true);
  });
});

describe('refusing what can never be indexed, with a reason', () => {
  it('an empty file', () => expectUnindexable(Buffer.alloc(0), /empty/));

  it('a text file', () => expectUnindexable(Buffer.from('hello, this is not an image\n'), /not an image/));

  it('a truncated JPEG', async () => {
    const jpeg = await halves().resize(640, 320).jpeg().toBuffer();
    await expectUnindexable(jpeg.subarray(0, jpeg.length / 2), /truncated or corrupt/);
  });

  it('a corrupt PNG', async () => {
    const png = await halves().png().toBuffer();
    const corrupt = Buffer.from(png);
    corrupt.fill(0x5a, 60, 120);
    await expectUnindexable(corrupt, /truncated or corrupt|cannot be decoded/);
  });

  it('an image over the pixel limit, before decoding it', async () => {
    await expectUnindexable(await halves().png().toBuffer(), /limit of 1,000/, { maxInputPixels: 1000 });
  });

  it('a BMP over the pixel limit', async () => {
    const bmp = encodeBmp({ data: Buffer.alloc(64 * 64 * 4), width: 64, height: 64, bitPP: 24 }).data;
    await expectUnindexable(bmp, /limit of 1,000/, { maxInputPixels: 1000 });
  });

  it('never loads what an SVG references from outside', async () => {
    // If the external red image were loaded it would cover the blue background.
    const red = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#ff0000' } }).png().toBuffer();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'image-search-svg-'));
    const redFile = path.join(dir, 'red.png');
    fs.writeFileSync(redFile, red);
    try {
      const svg = `<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
        <svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="32" height="32">
          <rect width="32" height="32" fill="#1414dc"/><text y="16">&secret;</text>
          <image href="file://${redFile}" xlink:href="file://${redFile}" width="32" height="32"/></svg>`;
      const pixels = await decode(Buffer.from(svg)).catch((error: unknown) => error);
      if (pixels instanceof Buffer) expect(isBlue(pixelAt(pixels, SIZE / 2, SIZE / 2))).toBe(true);
      else expect(pixels).toBeInstanceOf(UnindexableError);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
