import type { DuplicateKind } from '../contracts/duplicate-kinds';
import { DESCRIPTOR_BYTES, type Keypoints, type LocalFeatures, type Thumbnail } from './local-features';
import type { OpenCv } from './opencv';
import { apply, inverse } from './affine';
import { nearestTwo } from './hamming-matcher';
import { structureAgreement } from './structure-agreement';

/**
 * Stage 2 of the duplicate decision: is one image a copy of the other? ORB keypoints are matched (ratio test, one
 * match per keypoint), then an affine transform is fitted with RANSAC and must be a similarity (one scale, a small turn, a shift), as it is and
 * mirrored. Copies (resizes, crops, borders, screenshots, overlays, colour edits, flips) are all such a transform
 * of their original; a second shot of a scene is not, and repetitive texture that matches anything gives a
 * transform no copy has (a collapse, a stretch, a large turn) or inliers bunched in one spot, which are refused.
 * Different pictures that share a part (a screenshot window, a text overlay) match on that part alone: the two must
 * also agree in structure where they overlap (structure-agreement.ts).
 */

/** Names what verifyPair decides; a change to it makes the duplicate graph be rebuilt (decisionSettings). */
export const VERIFICATION_VERSION = 'orb-affine-structure-contained-v3';

/** Keypoint matches consistent with one transform needed to call two images one picture. */
export const MIN_INLIERS = 12;
/** Fewer consistent matches than MIN_INLIERS, but this many: the same scene, not the same picture. */
const SIMILAR_INLIERS = 8;
const RATIO = 0.8;
/** RANSAC reprojection error, in pixels of the FEATURE_SIDE frame. */
const RANSAC_PIXELS = 5;
/** A copy is at most this much smaller or larger than its original, once both are normalised. */
const MAX_SCALE = 4;
/** Copies keep their aspect: the two scales of the transform differ by this factor at most. */
const MAX_STRETCH = 1.25;
/** Copies are turned by a few degrees at most (EXIF orientation is applied before features are taken). */
const MAX_TURN_DEGREES = 30;
/** The share of overlapping cells whose structure must agree (structureAgreement), from `npm run bench:quality`. */
export const MIN_AGREEMENT = 0.6;
/** Inliers must spread over at least this share of the part of each image that the other shows (their bounding box). */
const MIN_SPREAD = 0.03;
/** One image covering less than this share of the other, or of itself shown in the other: a crop, or a frame. */
const CROPPED_BELOW = 0.8;
/**
 * A copy shows all of one of the two: a crop lies within its original, an original within its screenshot or its
 * borders. Two shots of one scene from a moving camera (a pan, video frames, a stereo pair, overlapping aerial views)
 * each show what the other does not: every copy edit of the quality benchmark keeps 0.99 or more of one image
 * within the other, such shots 0.4 to 0.8 (README, "What counts as a duplicate").
 */
const MIN_CONTAINED = 0.9;

/** Thumbnail differences past which a copy counts as edited rather than re-encoded (0-255 per channel). */
const EDITED = { meanDifference: 8, overlayDifference: 40, overlayShare: 0.012, chromaDifference: 6 };
/** Thumbnail pixels left out at the edge of a's frame. */
const EDGE = 2;

export interface PairMatch {
  inliers: number;
  mirrored: boolean;
  /** a -> b, affine, row-major 2x3. */
  transform: number[];
  /** x, y in the normalised frame of image a (mirrored when the match is), then of image b, per inlier. */
  points: Float32Array;
  /** The normalised frames: width and height of a, then of b. */
  frames: [number, number, number, number];
  /** Share of the overlap where both agree in structure; null when too little of it is textured to tell. */
  agreement: number | null;
}

export interface Verification {
  /** Null when the images are not one picture, nor one scene. */
  kind: DuplicateKind | null;
  inliers: number;
  match: PairMatch | null;
}

/** `minAgreement` is MIN_AGREEMENT but for the benchmark, which measures other values. */
export function verifyPair(cv: OpenCv, a: LocalFeatures, b: LocalFeatures, minAgreement = MIN_AGREEMENT): Verification {
  const tried: Matched[] = [];
  // Both at one size first; then one of them halved, for a copy twice as large as the part of the other it shows.
  for (const [from, to] of [
    [a.direct, b.direct],
    [a.direct, b.halved],
    [a.halved, b.direct],
  ]) {
    const match = matchKeypoints(cv, a, b, { from, to, mirrored: false }, minAgreement);
    if (match.passed) return { kind: kindOf(match, a, b), inliers: match.inliers, match };
    tried.push(match);
  }
  const mirrored = matchKeypoints(cv, a, b, { from: a.mirrored, to: b.direct, mirrored: true }, minAgreement);
  if (mirrored.passed) return { kind: 'mirrored', inliers: mirrored.inliers, match: mirrored };
  tried.push(mirrored);
  const otherShot = tried.find((match) => match.otherShot);
  if (otherShot) return { kind: 'similar', inliers: otherShot.inliers, match: otherShot };
  const best = tried.reduce((x, y) => (y.inliers > x.inliers ? y : x));
  return { kind: best.inliers >= SIMILAR_INLIERS ? 'similar' : null, inliers: best.inliers, match: best.inliers > 0 ? best : null };
}

interface Matched extends PairMatch {
  passed: boolean;
  /** One picture's part of the other, as a copy would be, but neither lies within the other: two shots of a scene. */
  otherShot: boolean;
}

const NONE: Matched = { passed: false, otherShot: false, inliers: 0, mirrored: false, transform: [], points: new Float32Array(0), frames: [0, 0, 0, 0], agreement: null };

/** Keypoints of a (`from`: as it is, halved or mirrored) matched to keypoints of b (`to`). */
function matchKeypoints(cv: OpenCv, a: LocalFeatures, b: LocalFeatures, { from, to, mirrored }: { from: Keypoints; to: Keypoints; mirrored: boolean }, minAgreement: number): Matched {
  const pairs = ratioMatches(from, to);
  if (pairs.length < SIMILAR_INLIERS) return { ...NONE, mirrored };
  const source = new cv.Mat(pairs.length, 1, cv.CV_32FC2);
  const target = new cv.Mat(pairs.length, 1, cv.CV_32FC2);
  const mask = new cv.Mat();
  let model: { data64F: Float64Array; empty(): boolean; delete(): void } | undefined;
  try {
    pairs.forEach(([i, j], k) => {
      source.data32F.set([from.points[i * 2], from.points[i * 2 + 1]], k * 2);
      target.data32F.set([to.points[j * 2], to.points[j * 2 + 1]], k * 2);
    });
    model = cv.estimateAffine2D(source, target, mask, cv.RANSAC, RANSAC_PIXELS, 2000, 0.995, 10);
    if (!model || model.empty()) return { ...NONE, mirrored };
    const transform = Array.from(model.data64F);
    const points: number[] = [];
    pairs.forEach(([i, j], k) => {
      if (mask.data[k]) points.push(from.points[i * 2], from.points[i * 2 + 1], to.points[j * 2], to.points[j * 2 + 1]);
    });
    const inliers = points.length / 4;
    const shared = overlap(transform, a, b);
    const geometric = inliers >= MIN_INLIERS && plausibleCopy(transform) && spreads(points, shared);
    const agreement = geometric ? structureAgreement(a, b, transform, mirrored) : null;
    const alike = geometric && (agreement === null || agreement >= minAgreement);
    const contained = Math.max(shared.ofA, shared.ofB) >= MIN_CONTAINED;
    return {
      passed: alike && contained,
      otherShot: alike && !contained,
      inliers,
      mirrored,
      transform,
      points: new Float32Array(points),
      frames: [a.width, a.height, b.width, b.height],
      agreement,
    };
  } finally {
    for (const held of [source, target, mask, model]) held?.delete();
  }
}

/** Ratio-tested matches from -> to, each keypoint of `to` used once (its closest match kept). */
function ratioMatches(from: Keypoints, to: Keypoints): Array<[number, number]> {
  if (from.descriptors.length < 2 * DESCRIPTOR_BYTES || to.descriptors.length < 2 * DESCRIPTOR_BYTES) return [];
  const nearest = nearestTwo(from.descriptors, to.descriptors);
  const best = new Map<number, { query: number; distance: number }>();
  for (let query = 0; query < nearest.length / 3; query++) {
    const [trainIdx, first, second] = nearest.subarray(query * 3, query * 3 + 3);
    const held = best.get(trainIdx);
    if (first < RATIO * second && (!held || first < held.distance)) best.set(trainIdx, { query, distance: first });
  }
  return [...best].map(([trainIdx, { query }]) => [query, trainIdx]);
}

/** The 2x2 part's singular values, and its turn in degrees. */
function decompose(t: number[]) {
  const [p, q, r, s] = [t[0], t[1], t[3], t[4]];
  const e = (p + s) / 2;
  const f = (p - s) / 2;
  const g = (r + q) / 2;
  const h = (r - q) / 2;
  const [m, n] = [Math.hypot(e, h), Math.hypot(f, g)];
  return { larger: m + n, smaller: m - n, turn: (Math.abs(Math.atan2(h, e)) * 180) / Math.PI };
}

function plausibleCopy(t: number[]): boolean {
  const { larger, smaller, turn } = decompose(t);
  // smaller <= 0: a reflection or a collapse, which no unmirrored copy is.
  if (smaller <= 0) return false;
  const scale = Math.sqrt(larger * smaller);
  return scale >= 1 / MAX_SCALE && scale <= MAX_SCALE && larger / smaller <= MAX_STRETCH && turn <= MAX_TURN_DEGREES;
}

/**
 * Whether the inliers spread over what the two images share: the part of each that the other shows (a crop shows a
 * quarter of its original, and its inliers cover only that quarter of it).
 */
function spreads(points: number[], { areaInA, areaInB }: Overlap): boolean {
  const box = (offset: number) => {
    let [minX, minY, maxX, maxY] = [Infinity, Infinity, -Infinity, -Infinity];
    for (let i = offset; i < points.length; i += 4) {
      minX = Math.min(minX, points[i]);
      maxX = Math.max(maxX, points[i]);
      minY = Math.min(minY, points[i + 1]);
      maxY = Math.max(maxY, points[i + 1]);
    }
    return (maxX - minX) * (maxY - minY);
  };
  return box(0) >= MIN_SPREAD * areaInA && box(2) >= MIN_SPREAD * areaInB;
}

/** What the two images share, carried by the transform: its area in each frame, and its share of each image. */
interface Overlap {
  areaInA: number;
  areaInB: number;
  ofA: number;
  ofB: number;
}

function overlap(transform: number[], a: LocalFeatures, b: LocalFeatures): Overlap {
  const corners = [
    [0, 0],
    [a.width, 0],
    [a.width, a.height],
    [0, a.height],
  ].map(([x, y]) => apply(transform, x, y));
  const areaInB = polygonArea(clipToRect(corners, b.width, b.height));
  const areaInA = Math.min(a.width * a.height, areaInB / Math.abs(transform[0] * transform[4] - transform[1] * transform[3]));
  return { areaInA, areaInB, ofA: areaInA / (a.width * a.height), ofB: areaInB / (b.width * b.height) };
}

/** A direct (unmirrored) match: cropped when either image shows only part of the other, else edited or resized. */
function kindOf(match: PairMatch, a: LocalFeatures, b: LocalFeatures): DuplicateKind {
  const { transform } = match;
  const { ofA, ofB } = overlap(transform, a, b);
  if (Math.min(ofA, ofB) < CROPPED_BELOW) return 'cropped';
  return edited(a.thumbnail, b.thumbnail, transform, a, b) ? 'edited' : 'resized';
}

/**
 * Compares b's thumbnail with a's, sampled through the transform, over the part both show. Each pixel is compared
 * with the closest of a's 3 x 3 neighbourhood, so resampling and a slight misfit (a turned copy) are not edits.
 */
export function edited(ta: Thumbnail, tb: Thumbnail, transform: number[], a: LocalFeatures, b: LocalFeatures): boolean {
  const back = inverse(transform);
  let compared = 0;
  let total = 0;
  let overlays = 0;
  let chromaA = 0;
  let chromaB = 0;
  for (let y = 0; y < tb.height; y++) {
    for (let x = 0; x < tb.width; x++) {
      const [ax, ay] = apply(back, ((x + 0.5) * b.width) / tb.width, ((y + 0.5) * b.height) / tb.height);
      const sx = Math.floor((ax * ta.width) / a.width);
      const sy = Math.floor((ay * ta.height) / a.height);
      // Pixels at a's edge mix in what lies beyond it (a rotated copy's corners): compared only inside.
      if (sx < EDGE || sy < EDGE || sx >= ta.width - EDGE || sy >= ta.height - EDGE) continue;
      const pb = (y * tb.width + x) * 3;
      let closest = Infinity;
      let closestAt = 0;
      for (let dy = -1; dy <= 1; dy++) {
        for (let dx = -1; dx <= 1; dx++) {
          const [nx, ny] = [sx + dx, sy + dy];
          if (nx < 0 || ny < 0 || nx >= ta.width || ny >= ta.height) continue;
          const pa = (ny * ta.width + nx) * 3;
          const difference = Math.max(...[0, 1, 2].map((c) => Math.abs(ta.pixels[pa + c] - tb.pixels[pb + c])));
          if (difference < closest) [closest, closestAt] = [difference, pa];
        }
      }
      total += closest;
      if (closest > EDITED.overlayDifference) overlays++;
      chromaA += chroma(ta.pixels, closestAt);
      chromaB += chroma(tb.pixels, pb);
      compared++;
    }
  }
  if (compared === 0) return false;
  return (
    total / compared > EDITED.meanDifference || overlays / compared > EDITED.overlayShare || Math.abs(chromaA - chromaB) / compared > EDITED.chromaDifference
  );
}

const chroma = (pixels: Uint8Array, at: number) => Math.max(pixels[at], pixels[at + 1], pixels[at + 2]) - Math.min(pixels[at], pixels[at + 1], pixels[at + 2]);

/** Sutherland-Hodgman: the polygon's part inside [0, width] x [0, height]. */
function clipToRect(polygon: number[][], width: number, height: number): number[][] {
  const edges: Array<(p: number[]) => number> = [(p) => p[0], (p) => width - p[0], (p) => p[1], (p) => height - p[1]];
  let output = polygon;
  for (const inside of edges) {
    const input = output;
    output = [];
    input.forEach((current, i) => {
      const previous = input[(i + input.length - 1) % input.length];
      const [dc, dp] = [inside(current), inside(previous)];
      if (dc >= 0 !== dp >= 0) {
        const share = dp / (dp - dc);
        output.push([previous[0] + (current[0] - previous[0]) * share, previous[1] + (current[1] - previous[1]) * share]);
      }
      if (dc >= 0) output.push(current);
    });
    if (output.length === 0) break;
  }
  return output;
}

function polygonArea(polygon: number[][]): number {
  let twice = 0;
  polygon.forEach(([x, y], i) => {
    const [nx, ny] = polygon[(i + 1) % polygon.length];
    twice += x * ny - nx * y;
  });
  return Math.abs(twice) / 2;
}
