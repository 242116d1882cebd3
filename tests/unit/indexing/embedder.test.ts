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
});
