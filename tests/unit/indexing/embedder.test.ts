import { createHash } from 'node:crypto';
import sharp from 'sharp';
import { UnindexableError } from '../../../server/src/errors/pipeline-errors';
import { createEmbedder } from '../../../server/src/indexing/embedder';

describe('embedder', () => {
  it('returns the fetch or decode failure of a file in its place, and embeds the others in one call', async () => {
    const png = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#808080' } }).png().toBuffer();
    const batches: number[] = [];
    const extractor = { model: { inputSize: 4 }, extract: async (images: Buffer[]) => (batches.push(images.length), images.map(() => [1])) };
    const files: Record<string, Buffer | Error> = { ok: png, gone: new UnindexableError('file is gone'), junk: Buffer.from('junk') };
    const embedder = createEmbedder({
      extractor: extractor as never,
      readFile: async (file) => {
        const bytes = files[file.url];
        if (bytes instanceof Error) throw bytes;
        return bytes;
      },
      decode: { trimBorders: true, trimTolerance: 10, maxInputPixels: 1e8 },
      concurrency: 2,
    });
    const results = await embedder.embed(['ok', 'gone', 'junk', 'ok'].map((url, id) => ({ id, url })));
    expect(results[0]).toMatchObject({ vector: [1], contentHash: createHash('sha256').update(png).digest('hex'), source: { mime: 'image/png', width: 8, height: 8 } });
    // The verification image comes from the same decode: a JPEG of the working copy.
    expect((results[0] as { verificationImage: Buffer }).verificationImage.subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8]));
    expect(results[1]).toBeInstanceOf(UnindexableError);
    expect((results[2] as Error).message).toMatch(/not an image/);
    expect(results[3]).toEqual(results[0]);
    expect(batches).toEqual([2]);
  });

  describe("from Strapi's stored formats", () => {
    // Asymmetric, so a wrong orientation shows: a bright top-left quarter on a dark ground.
    const photo = (width: number, height: number) =>
      sharp({ create: { width, height, channels: 3, background: '#202020' } })
        .composite([{ input: { create: { width: width / 2, height: height / 2, channels: 3, background: '#e0e0e0' } }, left: 0, top: 0 }])
        .jpeg();
    // As Strapi makes a format: resized inside a square, metadata (and so the orientation tag) dropped, not rotated.
    const strapiFormat = (original: Buffer, side: number) => sharp(original).resize({ width: side, height: side, fit: 'inside' }).jpeg().toBuffer();

    async function embedWith(original: Buffer, stored: Record<string, Buffer | Error>) {
      const pixels: Buffer[] = [];
      const read: string[] = [];
      const embedder = createEmbedder({
        extractor: { model: { inputSize: 32 }, extract: async (images: Buffer[]) => (pixels.push(...images), images.map(() => [1])) } as never,
        readFile: async ({ url }) => {
          read.push(url);
          const bytes = url === 'original' ? original : stored[url];
          if (bytes instanceof Error) throw bytes;
          return bytes;
        },
        decode: { trimBorders: false, trimTolerance: 10, maxInputPixels: 1e8 },
        concurrency: 1,
        useStoredFormats: true,
      });
      const meta = await sharp(original).metadata();
      const formats = Object.fromEntries(Object.keys(stored).map((url) => [url, { url, width: 750, height: 500 }]));
      const [result] = await embedder.embed([{ id: 1, url: 'original', width: meta.width, height: meta.height, formats }]);
      return { result, pixels: pixels[0], read };
    }

    const meanDifference = (a: Buffer, b: Buffer) => a.reduce((sum, value, i) => sum + Math.abs(value - b[i]), 0) / a.length;

    it.each([1, 3, 6, 8])('decodes the format as the original looks, EXIF orientation %i included', async (orientation) => {
      const original = await photo(1200, 800).withMetadata({ orientation }).toBuffer();
      const reference = await embedWith(original, {});
      const fromFormat = await embedWith(original, { medium: await strapiFormat(original, 750) });
      expect(fromFormat.read).toEqual(['original', 'medium']);
      expect(fromFormat.result).toMatchObject({ decodedFrom: 'medium', contentHash: createHash('sha256').update(original).digest('hex') });
      expect((fromFormat.result as { source: unknown }).source).toEqual((reference.result as { source: unknown }).source);
      expect(meanDifference(fromFormat.pixels, reference.pixels)).toBeLessThan(3);
    });

    it('decodes the original when the format is gone', async () => {
      const original = await photo(1200, 800).toBuffer();
      const { result, read } = await embedWith(original, { medium: new UnindexableError('File is gone') });
      expect(read).toEqual(['original', 'medium']);
      expect(result).toMatchObject({ decodedFrom: 'original' });
    });
  });
});

