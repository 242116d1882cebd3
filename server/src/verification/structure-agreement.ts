import { apply, inverse } from './affine';
import type { LocalFeatures } from './local-features';

/**
 * Do two matched images show one picture, or only share a part? Different pictures behind the same screenshot
 * window, text overlay or watermark match keypoints on that shared part alone, with a transform a copy would have.
 * Sampled through the transform, a copy's grey structure agrees nearly everywhere the two overlap (overlays and
 * colour edits change a few cells, or nothing that correlation sees); two pictures that only share a frame agree
 * only there. Measured on the colour thumbnails, in each image's frame, over a CELLS x CELLS grid.
 */

const CELLS = 6;
/** A cell is measured when at least this share of it lies over the other image. */
const MIN_COVERED = 0.6;
/** Grey standard deviation (0-255) under which a cell is flat (sky, a wall): flat in both images, it tells nothing. */
const FLAT = 6;
/** Correlation from which a cell's structure agrees. */
const AGREES = 0.5;
/** Fewer measured cells than this in a frame, and that frame cannot tell. */
const MIN_CELLS = 4;
/** Thumbnail pixels of the other image left out at its edge, where resampling mixes in what lies beyond it. */
const EDGE = 1;

/** One image of a matched pair: its features, and whether the match's frame is it mirrored. */
interface Side {
  features: LocalFeatures;
  mirrored: boolean;
}

/**
 * The share of measured cells where the two images agree, in the frame where it is lowest; null when neither frame
 * has enough textured cells over the other image to tell. `transform` maps a's match frame (mirrored when the match
 * is) to b's, as the match found it.
 */
export function structureAgreement(a: LocalFeatures, b: LocalFeatures, transform: number[], mirrored: boolean): number | null {
  const sideA = { features: a, mirrored };
  const sideB = { features: b, mirrored: false };
  const shares = [agreementIn(sideB, sideA, inverse(transform)), agreementIn(sideA, sideB, transform)].filter((share): share is number => share !== null);
  return shares.length === 0 ? null : Math.min(...shares);
}

/** Agreement over the cells of `frame`'s thumbnail, `other` sampled through `toOther` (match frame to match frame). */
function agreementIn(frame: Side, other: Side, toOther: number[]): number | null {
  const { thumbnail: tf, width: fw, height: fh } = frame.features;
  const { thumbnail: to, width: ow, height: oh } = other.features;
  const sums = Array.from({ length: CELLS * CELLS }, () => ({ pixels: 0, n: 0, f: 0, o: 0, ff: 0, oo: 0, fo: 0 }));
  for (let y = 0; y < tf.height; y++) {
    for (let x = 0; x < tf.width; x++) {
      const cell = sums[Math.floor((y * CELLS) / tf.height) * CELLS + Math.floor((x * CELLS) / tf.width)];
      cell.pixels++;
      // Thumbnail pixel -> the frame's match frame -> the other's match frame -> the other's thumbnail.
      const fx = ((x + 0.5) * fw) / tf.width;
      const [mx, my] = apply(toOther, frame.mirrored ? fw - fx : fx, ((y + 0.5) * fh) / tf.height);
      const u = ((other.mirrored ? ow - mx : mx) * to.width) / ow - 0.5;
      const v = (my * to.height) / oh - 0.5;
      if (u < EDGE || v < EDGE || u > to.width - 1 - EDGE || v > to.height - 1 - EDGE) continue;
      const f = grey(tf.pixels, (y * tf.width + x) * 3);
      const o = bilinearGrey(to.pixels, to.width, u, v);
      cell.n++;
      cell.f += f;
      cell.o += o;
      cell.ff += f * f;
      cell.oo += o * o;
      cell.fo += f * o;
    }
  }
  let measured = 0;
  let agreeing = 0;
  for (const { pixels, n, f, o, ff, oo, fo } of sums) {
    if (n === 0 || n < MIN_COVERED * pixels) continue;
    const varF = ff / n - (f / n) ** 2;
    const varO = oo / n - (o / n) ** 2;
    if (varF < FLAT * FLAT && varO < FLAT * FLAT) continue;
    measured++;
    if ((fo / n - (f / n) * (o / n)) / Math.sqrt(Math.max(varF, 1) * Math.max(varO, 1)) >= AGREES) agreeing++;
  }
  return measured < MIN_CELLS ? null : agreeing / measured;
}

const grey = (pixels: Uint8Array, at: number) => 0.299 * pixels[at] + 0.587 * pixels[at + 1] + 0.114 * pixels[at + 2];

function bilinearGrey(pixels: Uint8Array, width: number, u: number, v: number): number {
  const [x0, y0] = [Math.floor(u), Math.floor(v)];
  const [dx, dy] = [u - x0, v - y0];
  const at = (x: number, y: number) => grey(pixels, (y * width + x) * 3);
  return (at(x0, y0) * (1 - dx) + at(x0 + 1, y0) * dx) * (1 - dy) + (at(x0, y0 + 1) * (1 - dx) + at(x0 + 1, y0 + 1) * dx) * dy;
}
