import type { PairMatch } from './verify-pair';

/**
 * At most `limit` of a match's points, evenly sampled, as [ax, ay, bx, by]: shares of each image's width and
 * height as it is displayed, so a mirrored match's points on a are mirrored back.
 */
export function matchedShares(
  { points, frames: [widthA, heightA, widthB, heightB], mirrored }: PairMatch,
  limit: number
): Array<[number, number, number, number]> {
  const count = points.length / 4;
  const drawn = Math.min(count, limit);
  const share = (value: number, of: number) => Math.round((value / of) * 1e4) / 1e4;
  return Array.from({ length: drawn }, (_, k) => {
    const at = Math.floor((k * count) / drawn) * 4;
    const ax = mirrored ? widthA - points[at] : points[at];
    return [share(ax, widthA), share(points[at + 1], heightA), share(points[at + 2], widthB), share(points[at + 3], heightB)];
  });
}
