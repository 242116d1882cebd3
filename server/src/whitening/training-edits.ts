import sharp, { type Sharp } from 'sharp';

/**
 * The edits the whitening learns from: each library image sampled for a fit is edited the way copies come back into
 * a media library (crops, a screenshot or page around it, overlays, colour changes, a turn, a downscale and a
 * harsh re-encode, sometimes mirrored), with random strengths and positions. They are the project's own, not the
 * quality benchmark's edits (bench/variants.ts), so the benchmark measures edits the fit never saw.
 */

/** Images are edited at this long side at most: the model sees 224 pixels. */
const WORKING_SIDE = 768;

/** A small deterministic generator (mulberry32), so one sample always gives one fit. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Random = () => number;
const between = (random: Random, low: number, high: number) => low + (high - low) * random();
const colour = (random: Random) => `rgb(${[0, 1, 2].map(() => Math.floor(random() * 256)).join(',')})`;

interface Working {
  data: Buffer;
  width: number;
  height: number;
}

const fromWorking = ({ data, width, height }: Working) => sharp(data, { raw: { width, height, channels: 3 } });

/** Part of the picture, 30-80% of its area, anywhere in it. */
function crop(image: Working, random: Random): Sharp {
  const side = Math.sqrt(between(random, 0.3, 0.8));
  const width = Math.max(8, Math.round(image.width * Math.min(1, side * between(random, 0.85, 1.15))));
  const height = Math.max(8, Math.round(image.height * side));
  return fromWorking(image).extract({ left: Math.floor(random() * (image.width - width + 1)), top: Math.floor(random() * (image.height - height + 1)), width, height });
}

/** The picture inside a page or an app: a background, bars and blocks around it, taking 40-85% of the area. */
async function embed(image: Working, random: Random): Promise<Sharp> {
  const share = between(random, 0.4, 0.85);
  const width = Math.round((image.width / Math.sqrt(share)) * between(random, 0.95, 1.25));
  const height = Math.round(image.height / Math.sqrt(share));
  const blocks = Array.from({ length: 10 }, () => {
    const [x, y] = [Math.round(random() * width), Math.round(random() * height)];
    return `<rect x="${x}" y="${y}" width="${Math.round(width * between(random, 0.05, 0.4))}" height="${Math.round(height * between(random, 0.01, 0.06))}" fill="${colour(random)}"/>`;
  }).join('');
  const page = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><rect width="100%" height="100%" fill="${colour(random)}"/>${blocks}</svg>`;
  const photo = await fromWorking(image).png().toBuffer();
  return sharp(Buffer.from(page)).composite([{ input: photo, left: Math.floor(random() * (width - image.width + 1)), top: Math.floor(random() * (height - image.height + 1)) }]);
}

/** A caption or a banner across the picture. */
function overlay(image: Working, random: Random): Sharp {
  const { width, height } = image;
  const size = Math.round(Math.min(width, height) * between(random, 0.06, 0.18));
  const words = ['Summer sale', 'BREAKING', 'draft', 'Photo of the day', 'www.example.org', 'Limited edition'][Math.floor(random() * 6)];
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">
    <rect x="0" y="${Math.round(height * between(random, 0, 0.8))}" width="${width}" height="${Math.round(height * between(random, 0.05, 0.2))}" fill="${colour(random)}" fill-opacity="${between(random, 0.3, 0.9).toFixed(2)}"/>
    <text x="${Math.round(width * between(random, 0.03, 0.4))}" y="${Math.round(height * between(random, 0.2, 0.95))}" font-family="${random() < 0.5 ? 'serif' : 'sans-serif'}" font-size="${size}" fill="${colour(random)}">${words}</text>
  </svg>`;
  return fromWorking(image).composite([{ input: Buffer.from(svg) }]);
}

/** Another colour grade, or greyscale. */
const recolour = (image: Working, random: Random): Sharp =>
  random() < 0.3
    ? fromWorking(image).grayscale().toColourspace('srgb')
    : fromWorking(image).modulate({ hue: Math.round(between(random, -60, 60)), saturation: between(random, 0.4, 1.7), brightness: between(random, 0.75, 1.25) });

/** Turned by a few degrees, then downscaled: what a re-posted thumbnail or a photo of a screen goes through. */
async function turnAndShrink(image: Working, random: Random): Promise<Sharp> {
  const turned = await fromWorking(image).rotate(between(random, -12, 12), { background: colour(random) }).png().toBuffer();
  return sharp(turned).resize(Math.max(48, Math.round(image.width * between(random, 0.15, 0.6))));
}

const EDITS: Array<(image: Working, random: Random) => Sharp | Promise<Sharp>> = [crop, crop, embed, overlay, recolour, turnAndShrink];
export const EDITS_PER_IMAGE = EDITS.length;

/** EDITS_PER_IMAGE edited copies of an image, as JPEG bytes; `seed` fixes their randomness. */
export async function trainingEdits(bytes: Buffer, seed: number): Promise<Buffer[]> {
  const { data, info } = await sharp(bytes, { failOn: 'error' })
    .rotate()
    .flatten({ background: '#808080' })
    .toColourspace('srgb')
    .resize(WORKING_SIDE, WORKING_SIDE, { fit: 'inside', withoutEnlargement: true })
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  const image = { data, width: info.width, height: info.height };
  return Promise.all(
    EDITS.map(async (edit, k) => {
      // One generator per edit: the edits run concurrently, and each must draw the same numbers every time.
      const random = seededRandom(seed * EDITS.length + k);
      // Each edit settles (PNG) before the mirror and the re-encode, which sharp would otherwise reorder.
      let edited = sharp(await (await edit(image, random)).png().toBuffer());
      if (random() < 0.25) edited = edited.flop();
      return edited.jpeg({ quality: Math.round(between(random, 20, 92)) }).toBuffer();
    })
  );
}
