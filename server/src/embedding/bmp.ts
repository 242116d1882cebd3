import { Worker } from 'node:worker_threads';

/**
 * BMP, which libvips lacks here, decoded by bmp-ts in a worker thread. Its decoding and the RGBA -> RGB copy are
 * per-pixel JavaScript: on the event loop, a 1 KB RLE file declaring 10000x10000 pixels would stall Strapi for
 * tens of seconds. The thread also shrinks the image, so only a small copy reaches the event loop (hundreds of MB
 * arriving there would cost it long garbage collections), and its memory goes back when it exits.
 */

export interface RawImage {
  data: Buffer;
  width: number;
  height: number;
}

/** A BMP file, shrunk to fit `maxSide` (never enlarged), and the size the file declares. */
export interface DecodedBmp {
  image: RawImage;
  source: { width: number; height: number };
}

/** BMP decodes at once, at most: each may hold a few hundred MB while it runs. */
const MAX_CONCURRENT = 2;

// Plain JavaScript, so it runs the same from the compiled plugin and from ts-jest; bmp-ts by absolute path, since an
// eval'd worker resolves modules from the process's working directory.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { decode } = require(${JSON.stringify(require.resolve('bmp-ts'))});
const sharp = require(${JSON.stringify(require.resolve('sharp'))});
const { bytes, maxSide } = workerData;
const bmp = decode(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), { toRGBA: true });
// BMP's alpha byte is unused in most files (often 0), so it is dropped rather than flattened.
const rgb = Buffer.allocUnsafe(bmp.width * bmp.height * 3);
for (let i = 0, j = 0; j < rgb.length; i += 4, j += 3) { rgb[j] = bmp.data[i]; rgb[j + 1] = bmp.data[i + 1]; rgb[j + 2] = bmp.data[i + 2]; }
sharp(rgb, { raw: { width: bmp.width, height: bmp.height, channels: 3 } })
  .resize(maxSide, maxSide, { fit: 'inside', withoutEnlargement: true })
  .raw()
  .toBuffer({ resolveWithObject: true })
  .then(({ data, info }) => parentPort.postMessage({ image: { data, width: info.width, height: info.height }, source: { width: bmp.width, height: bmp.height } }, [data.buffer]));
`;

let active = 0;
const waiting: Array<() => void> = [];

async function withSlot<T>(work: () => Promise<T>): Promise<T> {
  if (active >= MAX_CONCURRENT) await new Promise<void>((resolve) => waiting.push(resolve));
  active++;
  try {
    return await work();
  } finally {
    active--;
    waiting.shift()?.();
  }
}

/** Decodes a BMP file to RGB pixels off the event loop; rejects with bmp-ts's error for a corrupt file. */
export function decodeBmp(bytes: Buffer, maxSide: number): Promise<DecodedBmp> {
  return withSlot(
    () =>
      new Promise<DecodedBmp>((resolve, reject) => {
        const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { bytes, maxSide } });
        let settled = false;
        worker.once('message', ({ image, source }: { image: { data: Uint8Array; width: number; height: number }; source: DecodedBmp['source'] }) => {
          settled = true;
          const data = Buffer.from(image.data.buffer, image.data.byteOffset, image.data.byteLength);
          resolve({ image: { data, width: image.width, height: image.height }, source });
          void worker.terminate();
        });
        worker.once('error', (error) => {
          settled = true;
          reject(error);
        });
        worker.once('exit', (code) => {
          if (!settled) reject(new Error(`the BMP decoder stopped (exit code ${code})`));
        });
      })
  );
}
