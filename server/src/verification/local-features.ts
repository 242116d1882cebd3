import sharp from 'sharp';
import { loadOpenCv } from './opencv';

/**
 * What pairwise verification compares: ORB keypoints of a file's verification image, as it is and mirrored, and a
 * small colour thumbnail to tell a re-encode from an edit. Computed from the cached verification image (never
 * the original), and memoised per file by the verifier.
 */

/** Names how features are made: stored features of another version are made again (feature-store.ts). */
export const FEATURES_VERSION = 'orb600-grid8-halved-mirrored-thumb64-v1';

/** Both images of a pair are compared at this long side, small ones enlarged: keypoints then meet at one scale. */
export const FEATURE_SIDE = 512;
/** Keypoints kept per image, spread over a GRID x GRID grid so that an overlay's strong corners cannot take them all. */
const ORB_FEATURES = 600;
const CANDIDATE_KEYPOINTS = 4 * ORB_FEATURES;
const GRID = 8;
/**
 * FAST's corner contrast: OpenCV's default, then a low one for images that yield fewer corners than ORB_FEATURES at
 * it (sky, bokeh, a smooth crop of a large photo), which otherwise have too few keypoints to verify at all.
 */
const FAST_THRESHOLD = 20;
const LOW_CONTRAST_FAST_THRESHOLD = 5;
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
  /**
   * Keypoints of the image at half its normalised size, in the normalised frame. A copy showing a quarter of its
   * original (a 50% crop) is twice as large as that part of it: these meet the copy's own keypoints at one scale.
   */
  halved: Keypoints;
  /** Keypoints of the horizontally mirrored image, in its own (mirrored) frame. */
  mirrored: Keypoints;
  thumbnail: Thumbnail;
}

export async function extractLocalFeatures(image: Buffer): Promise<LocalFeatures> {
  const grey = await sharp(image).resize(FEATURE_SIDE, FEATURE_SIDE, { fit: 'inside' }).removeAlpha().toColourspace('b-w').raw().toBuffer({ resolveWithObject: true });
  const { width, height } = grey.info;
  const thumbnail = await sharp(image).resize(THUMBNAIL_SIDE, THUMBNAIL_SIDE, { fit: 'inside' }).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const halfSize = { width: Math.max(1, Math.round(width / 2)), height: Math.max(1, Math.round(height / 2)) };
  const half = await sharp(grey.data, { raw: { width, height, channels: 1 } }).resize(halfSize.width, halfSize.height).toColourspace('b-w').raw().toBuffer();
  const { cv } = await loadOpenCv();
  // Each pass is one bounded piece of synchronous work: the event loop runs between them.
  const { direct, mirrored: flipped } = orb(cv, grey.data, width, height, flop(grey.data, width));
  await yieldToEventLoop();
  const halved = scaled(orb(cv, half, halfSize.width, halfSize.height).direct, width / halfSize.width, height / halfSize.height);
  await yieldToEventLoop();
  return {
    width,
    height,
    direct,
    halved,
    mirrored: flipped!,
    thumbnail: { width: thumbnail.info.width, height: thumbnail.info.height, pixels: new Uint8Array(thumbnail.data) },
  };
}

const yieldToEventLoop = () => new Promise((resolve) => setImmediate(resolve));

/** A grey image mirrored left to right: the pixels a second decode with sharp's flop gives, without the decode. */
function flop(grey: Buffer, width: number): Buffer {
  const mirrored = Buffer.allocUnsafe(grey.length);
  for (let row = 0; row < grey.length; row += width) for (let x = 0; x < width; x++) mirrored[row + x] = grey[row + width - 1 - x];
  return mirrored;
}

/** Keypoints found on a resized image, placed back in the normalised frame. */
function scaled({ points, descriptors }: Keypoints, scaleX: number, scaleY: number): Keypoints {
  const placed = new Float32Array(points.length);
  for (let i = 0; i < points.length; i += 2) [placed[i], placed[i + 1]] = [points[i] * scaleX, points[i + 1] * scaleY];
  return { points: placed, descriptors };
}

/**
 * ORB keypoints of a grey image; with `flopped` (the same image mirrored), also the mirror's. A corner is a corner in
 * the mirror too, at the mirrored place and turned the other way: the mirror's keypoints are this image's, mirrored,
 * and only their descriptors are computed again, on the mirror, saving a second detection.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
function orb(cv: any, grey: Buffer, width: number, height: number, flopped?: Buffer): { direct: Keypoints; mirrored?: Keypoints } {
  const image = new cv.Mat(height, width, cv.CV_8UC1);
  const mask = new cv.Mat();
  let candidates = new cv.KeyPointVector();
  const keypoints = new cv.KeyPointVector();
  const mirroredKeypoints = new cv.KeyPointVector();
  const descriptors = new cv.Mat();
  const detector = new cv.ORB(CANDIDATE_KEYPOINTS);
  try {
    image.data.set(grey);
    detector.setFastThreshold(FAST_THRESHOLD);
    detector.detect(image, candidates, mask);
    if (candidates.size() < ORB_FEATURES) {
      candidates.delete();
      candidates = new cv.KeyPointVector();
      detector.setFastThreshold(LOW_CONTRAST_FAST_THRESHOLD);
      detector.detect(image, candidates, mask);
    }
    const spread = spreadOver(candidates, width, height) as Array<{ pt: { x: number; y: number }; angle: number }>;
    for (const keypoint of spread) keypoints.push_back(keypoint);
    const direct = describe(cv, detector, image, keypoints, descriptors);
    if (!flopped) return { direct };
    image.data.set(flopped);
    for (const { pt, angle, ...rest } of spread) mirroredKeypoints.push_back({ ...rest, pt: { x: width - 1 - pt.x, y: pt.y }, angle: (540 - angle) % 360 });
    return { direct, mirrored: describe(cv, detector, image, mirroredKeypoints, descriptors) };
  } finally {
    for (const held of [image, mask, candidates, keypoints, mirroredKeypoints, descriptors, detector]) held.delete();
  }
}

/** Descriptors of `keypoints` in `image`; ORB drops those too close to the border, so the points are read back after. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
function describe(cv: any, detector: any, image: any, keypoints: any, descriptors: any): Keypoints {
  detector.compute(image, keypoints, descriptors);
  const count = keypoints.size();
  const points = new Float32Array(count * 2);
  for (let i = 0; i < count; i++) {
    const { pt } = keypoints.get(i);
    points[i * 2] = pt.x;
    points[i * 2 + 1] = pt.y;
  }
  return { points, descriptors: count > 0 ? new Uint8Array(descriptors.data) : new Uint8Array(0) };
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
