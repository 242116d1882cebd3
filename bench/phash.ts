import sharp from 'sharp';

/**
 * The 64-bit perceptual hash (DCT pHash) a user would otherwise pick for duplicate detection: 32 x 32 grey, 2-D
 * DCT, the 8 x 8 lowest frequencies compared with their median. Similarity = 1 - Hamming distance / 64.
 */

const SIZE = 32;
const KEEP = 8;

const COS = Array.from({ length: KEEP }, (_, u) => Array.from({ length: SIZE }, (_, x) => Math.cos(((2 * x + 1) * u * Math.PI) / (2 * SIZE))));

export async function phash(bytes: Buffer): Promise<bigint> {
  const grey = await sharp(bytes, { failOn: 'error' }).rotate().grayscale().resize(SIZE, SIZE, { fit: 'fill' }).raw().toBuffer();
  const coefficients: number[] = [];
  for (let u = 0; u < KEEP; u++) {
    for (let v = 0; v < KEEP; v++) {
      let sum = 0;
      for (let y = 0; y < SIZE; y++) for (let x = 0; x < SIZE; x++) sum += grey[y * SIZE + x] * COS[u][y] * COS[v][x];
      coefficients.push(sum);
    }
  }
  // The DC term says nothing about structure; it is left out of the median.
  const median = [...coefficients.slice(1)].sort((a, b) => a - b)[31];
  return coefficients.reduce((hash, value, i) => (value > median ? hash | (1n << BigInt(i)) : hash), 0n);
}

export function hashSimilarity(a: bigint, b: bigint): number {
  let diff = a ^ b;
  let bits = 0;
  while (diff) {
    bits += Number(diff & 1n);
    diff >>= 1n;
  }
  return 1 - bits / 64;
}
