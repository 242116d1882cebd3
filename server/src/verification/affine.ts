/** 2x3 affine transforms, row-major, as OpenCV's estimateAffine2D gives them. */

/** Where a point lands. */
export const apply = (t: number[], x: number, y: number) => [t[0] * x + t[1] * y + t[2], t[3] * x + t[4] * y + t[5]];

export function inverse(t: number[]): number[] {
  const det = t[0] * t[4] - t[1] * t[3];
  return [t[4] / det, -t[1] / det, (t[1] * t[5] - t[4] * t[2]) / det, -t[3] / det, t[0] / det, (t[3] * t[2] - t[0] * t[5]) / det];
}
