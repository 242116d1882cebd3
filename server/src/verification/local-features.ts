import sharp from 'sharp';
import { loadOpenCv } from './opencv';

/**
 * What pairwise verification compares: ORB keypoints of a file's verification image, as it is and mirrored, and a
 * small colour thumbnail to tell a re-encode from an edit. Computed from the cached verification image (never
 * the original), and memoised per file by the verifier.
 */

/** Both images of a pair are compared at this long side, small ones enlarged: keypoints then meet at one scale. */
export const FEATURE_SIDE = 512;
/** Keypoints kept per image, spread over a GRID x GRID grid so that an overlay's strong corners cannot take them all. */
const ORB_FEATURES = 600;
const CANDIDATE_KEYPOINTS = 4 * ORB_FEATURES;
const GRID = 8;
/** The colour thumbnail's long side: enough to see an overlay or a colour change, too small for noise to matter. */
const THUMBNAIL_SIDE = 64;
/** ORB descriptor bytes per keypoint. */
export const DESCRIPTOR_BYTES = 32;

export interface Keypoints {
  /** x, y of each keypoint, in the normalised frame. */
  points: Float32Array;
  /** DESCRIPTOR_BYTES per keypoint. */
  descriptors: Uint8Array;
}

export interface Thumbnail {
  width: number;
  height: number;
  /** RGB, row-major. */
  pixels: Uint8Array;
}

export interface LocalFeatures {
  /** The normalised frame the keypoints are in. */
  width: number;
  height: number;
  direct: Keypoints;
  /** Keypoints of the horizontally mirrored image, in its own (mirrored) frame. */
  mirrored: Keypoints;
  thumbnail: Thumbnail;
}

export async function extractLocalFeatures(image: Buffer): Promise<LocalFeatures> {
  const normalised = sharp(image).resize(FEATURE_SIDE, FEATURE_SIDE, { fit: 'inside' });
  const greyOf = (pipeline: typeof normalised) => pipeline.removeAlpha().toColourspace('b-w').raw().toBuffer({ resolveWithObject: true });
  const [grey, mirrored] = await Promise.all([greyOf(normalised.clone()), greyOf(normalised.clone().flop())]);
  const { width, height } = grey.info;
  const thumbnail = await sharp(image).resize(THUMBNAIL_SIDE, THUMBNAIL_SIDE, { fit: 'inside' }).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const { cv } = await loadOpenCv();
  const direct = orb(cv, grey.data, width, height);
  // Each pass is one bounded piece of synchronous work: let the event loop run between them.
  await new Promise((resolve) => setImmediate(resolve));
  return {
    width,
    height,
    direct,
    mirrored: orb(cv, mirrored.data, width, height),
    thumbnail: { width: thumbnail.info.width, height: thumbnail.info.height, pixels: new Uint8Array(thumbnail.data) },
  };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
function orb(cv: any, grey: Buffer, width: number, height: number): Keypoints {
  const image = new cv.Mat(height, width, cv.CV_8UC1);
  const mask = new cv.Mat();
  const candidates = new cv.KeyPointVector();
  const keypoints = new cv.KeyPointVector();
  const descriptors = new cv.Mat();
  const detector = new cv.ORB(CANDIDATE_KEYPOINTS);
  try {
    image.data.set(grey);
    detector.detect(image, candidates, mask);
    for (const keypoint of spreadOver(candidates, width, height)) keypoints.push_back(keypoint);
    detector.compute(image, keypoints, descriptors);
    const count = keypoints.size();
    const points = new Float32Array(count * 2);
    for (let i = 0; i < count; i++) {
      const { pt } = keypoints.get(i);
      points[i * 2] = pt.x;
      points[i * 2 + 1] = pt.y;
    }
    return { points, descriptors: count > 0 ? new Uint8Array(descriptors.data) : new Uint8Array(0) };
  } finally {
    for (const held of [image, mask, candidates, keypoints, descriptors, detector]) held.delete();
  }
}

/** The strongest keypoints of each grid cell, an equal share per cell, then the strongest of the rest. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
function spreadOver(candidates: any, width: number, height: number): unknown[] {
  const cells = new Map<number, Array<{ keypoint: { pt: { x: number; y: number }; response: number } }>>();
  for (let i = 0; i < candidates.size(); i++) {
    const keypoint = candidates.get(i);
    const cell = Math.min(GRID - 1, Math.floor((keypoint.pt.y / height) * GRID)) * GRID + Math.min(GRID - 1, Math.floor((keypoint.pt.x / width) * GRID));
    if (!cells.has(cell)) cells.set(cell, []);
    cells.get(cell)!.push({ keypoint });
  }
  const share = Math.ceil(ORB_FEATURES / (GRID * GRID));
  const kept: Array<{ keypoint: { response: number } }> = [];
  const rest: typeof kept = [];
  for (const list of cells.values()) {
    list.sort((x, y) => y.keypoint.response - x.keypoint.response);
    kept.push(...list.slice(0, share));
    rest.push(...list.slice(share));
  }
  rest.sort((x, y) => y.keypoint.response - x.keypoint.response);
  return [...kept, ...rest.slice(0, Math.max(0, ORB_FEATURES - kept.length))].map((item) => item.keypoint);
}
