import sharp from 'sharp';

/**
 * Decompression bombs: small files that declare 10000x10000 pixels (100 million, the default
 * `preprocessing.maxInputPixels`, so they are decoded rather than refused from their header).
 */

export const BOMB_SIDE = 10_000;

/** An 8-bit BMP whose RLE data is only the end-of-bitmap marker: about 1 KB for 100 million pixels. */
export function rleBmpBomb(side = BOMB_SIDE): Buffer {
  const palette = Buffer.alloc(256 * 4);
  const pixels = Buffer.from([0x00, 0x01]);
  return bmp({ side, bitsPerPixel: 8, compression: 1, palette, pixels });
}

/** An uncompressed 24-bit BMP declaring the full size, with only its first kilobyte of pixels present. */
export function plainBmpBomb(side = BOMB_SIDE): Buffer {
  return bmp({ side, bitsPerPixel: 24, compression: 0, palette: Buffer.alloc(0), pixels: Buffer.alloc(1024, 0x40) });
}

function bmp({ side, bitsPerPixel, compression, palette, pixels }: { side: number; bitsPerPixel: number; compression: number; palette: Buffer; pixels: Buffer }) {
  const offset = 14 + 40 + palette.length;
  const header = Buffer.alloc(54);
  header.write('BM', 0, 'ascii');
  header.writeUInt32LE(offset + pixels.length, 2);
  header.writeUInt32LE(offset, 10);
  header.writeUInt32LE(40, 14);
  header.writeInt32LE(side, 18);
  header.writeInt32LE(side, 22);
  header.writeUInt16LE(1, 26);
  header.writeUInt16LE(bitsPerPixel, 28);
  header.writeUInt32LE(compression, 30);
  header.writeUInt32LE(pixels.length, 34);
  header.writeUInt32LE(palette.length / 4, 46);
  return Buffer.concat([header, palette, pixels]);
}

/** One uniform grey plane, which deflate and LZW squeeze to a few hundred KB. */
const uniform = (side: number) => sharp(Buffer.alloc(side * side, 0x40), { raw: { width: side, height: side, channels: 1 } });

export const pngBomb = (side = BOMB_SIDE) => uniform(side).png({ compressionLevel: 9 }).toBuffer();
export const tiffBomb = (side = BOMB_SIDE) => uniform(side).tiff({ compression: 'deflate' }).toBuffer();
export const gifBomb = (side = BOMB_SIDE) => uniform(side).gif().toBuffer();
export const svgBomb = (side = BOMB_SIDE) =>
  Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="${side}" height="${side}"><rect width="100%" height="100%" fill="#404040"/></svg>`);

/** Every bomb, by name, built once. */
export async function allBombs(side = BOMB_SIDE): Promise<Array<[name: string, bytes: Buffer, fileName: string]>> {
  return [
    ['RLE BMP', rleBmpBomb(side), 'bomb-rle.bmp'],
    ['plain BMP', plainBmpBomb(side), 'bomb-plain.bmp'],
    ['PNG', await pngBomb(side), 'bomb.png'],
    ['TIFF', await tiffBomb(side), 'bomb.tiff'],
    ['GIF', await gifBomb(side), 'bomb.gif'],
    ['SVG', svgBomb(side), 'bomb.svg'],
  ];
}
