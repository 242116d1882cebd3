/**
 * Finds the content box of an image inside uniform borders (letterbox and pillarbox bars, frames, padding) of
 * any colour. Pure arithmetic on raw interleaved pixels, so it is unit-tested on generated images.
 *
 * Each side is walked inwards while a line is uniform: at least `MIN_UNIFORM_SHARE` of its pixels within
 * `tolerance` (per channel, 0-255) of the side's reference colour, the median of its outermost line. JPEG noise
 * stays inside the tolerance; real content does not. A smooth gradient (sky, studio backdrop) also passes line by
 * line, but its colour drifts away from the reference while a real border stays flat, so a side whose last
 * border line drifted more than half the tolerance is left alone.
 */

export interface Box {
  left: number;
  top: number;
  width: number;
  height: number;
}

export interface TrimOptions {
  tolerance: number;
  /** The smallest share of each dimension trimming may keep; a trim that would keep less is not applied. */
  minKeptFraction: number;
}

const MIN_UNIFORM_SHARE = 0.98;

interface Pixels {
  data: Uint8Array;
  width: number;
  height: number;
  channels: number;
}

/** A line of pixels: `count` pixels from (x0, y0), moving (dx, dy) each step. */
interface Line {
  x0: number;
  y0: number;
  dx: number;
  dy: number;
  count: number;
}

function channelValues({ data, width, channels }: Pixels, line: Line, channel: number): number[] {
  const values = new Array<number>(line.count);
  for (let i = 0; i < line.count; i++) values[i] = data[((line.y0 + i * line.dy) * width + line.x0 + i * line.dx) * channels + channel];
  return values;
}

const median = (values: number[]) => values.sort((a, b) => a - b)[values.length >> 1];

function medianColour(pixels: Pixels, line: Line): number[] {
  return Array.from({ length: pixels.channels }, (_, c) => median(channelValues(pixels, line, c)));
}

function meanColour(pixels: Pixels, line: Line): number[] {
  return Array.from({ length: pixels.channels }, (_, c) => channelValues(pixels, line, c).reduce((sum, v) => sum + v, 0) / line.count);
}

function isUniform({ data, width, channels }: Pixels, line: Line, reference: readonly number[], tolerance: number): boolean {
  const allowedOff = Math.floor(line.count * (1 - MIN_UNIFORM_SHARE));
  let off = 0;
  for (let i = 0; i < line.count; i++) {
    const base = ((line.y0 + i * line.dy) * width + line.x0 + i * line.dx) * channels;
    for (let c = 0; c < channels; c++) {
      // No Math.abs: a global lookup per pixel is slow where globals are proxied (a vm context, as under Jest).
      const difference = data[base + c] - reference[c];
      if (difference > tolerance || difference < -tolerance) {
        if (++off > allowedOff) return false;
        break;
      }
    }
  }
  return true;
}

interface Border {
  depth: number;
  colour: number[];
}

const colourDistance = (a: readonly number[], b: readonly number[]) => Math.max(...a.map((value, c) => Math.abs(value - b[c])));

/** The border on one side; `lineAt(k)` is the k-th line from the edge, `max` the most lines to cut. */
function borderOf(pixels: Pixels, lineAt: (k: number) => Line, max: number, tolerance: number): Border {
  const colour = medianColour(pixels, lineAt(0));
  let depth = 0;
  while (depth < max && isUniform(pixels, lineAt(depth), colour, tolerance)) depth++;
  // Measured halfway in: the lines next to the content carry its JPEG ringing.
  if (depth > 0 && colourDistance(meanColour(pixels, lineAt(depth >> 1)), colour) > tolerance / 4) depth = 0;
  return { depth, colour };
}

/**
 * Borders on opposite sides share their colour (bars, frames, padding). Two flat areas of different colours, such
 * as the stripes of a flag, are content: neither side is cut.
 */
function opposite(a: Border, b: Border, tolerance: number): [number, number] {
  if (a.depth > 0 && b.depth > 0 && colourDistance(a.colour, b.colour) > tolerance) return [0, 0];
  return [a.depth, b.depth];
}

/** The content box, or null when there is nothing worth trimming (no border, or too little would remain). */
export function findContentBox(pixels: Pixels, { tolerance, minKeptFraction }: TrimOptions): Box | null {
  const { width, height } = pixels;
  const topBorder = borderOf(pixels, (k) => ({ x0: 0, y0: k, dx: 1, dy: 0, count: width }), height - 1, tolerance);
  const bottomBorder = borderOf(pixels, (k) => ({ x0: 0, y0: height - 1 - k, dx: 1, dy: 0, count: width }), height - 1 - topBorder.depth, tolerance);
  const [top, bottom] = opposite(topBorder, bottomBorder, tolerance);
  const rows = height - top - bottom;
  const leftBorder = borderOf(pixels, (k) => ({ x0: k, y0: top, dx: 0, dy: 1, count: rows }), width - 1, tolerance);
  const rightBorder = borderOf(pixels, (k) => ({ x0: width - 1 - k, y0: top, dx: 0, dy: 1, count: rows }), width - 1 - leftBorder.depth, tolerance);
  const [left, right] = opposite(leftBorder, rightBorder, tolerance);
  const box = { left, top, width: width - left - right, height: rows };
  if (box.width === width && box.height === height) return null;
  if (box.width < width * minKeptFraction || box.height < height * minKeptFraction) return null;
  return box;
}
