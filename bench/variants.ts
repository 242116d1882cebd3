import sharp, { type Sharp } from 'sharp';

/**
 * The edits near-duplicates go through on their way back into a media library. Each takes the original's bytes
 * and returns a JPEG of the edited copy (quality 90, except where the edit is the quality).
 */

type Edit = (image: Sharp, width: number, height: number) => Promise<Sharp> | Sharp;

const box = (width: number, height: number, share: number, x: number, y: number) => {
  const w = Math.round(width * share);
  const h = Math.round(height * share);
  return { left: Math.round((width - w) * x), top: Math.round((height - h) * y), width: w, height: h };
};

/** Window chrome and a sidebar around the image, like a screenshot of it in a browser: not a uniform border. */
async function screenshot(image: Sharp, width: number, height: number) {
  const bar = Math.round(height * 0.12);
  const side = Math.round(width * 0.18);
  const total = { width: width + side + 16, height: height + bar + Math.round(bar / 2) };
  const chrome = `<svg xmlns="http://www.w3.org/2000/svg" width="${total.width}" height="${total.height}">
    <rect width="100%" height="100%" fill="#f4f4f6"/>
    <rect width="100%" height="${bar}" fill="#dcdde2"/>
    <circle cx="${bar * 0.4}" cy="${bar / 2}" r="${bar / 6}" fill="#ff5f57"/><circle cx="${bar * 0.8}" cy="${bar / 2}" r="${bar / 6}" fill="#febc2e"/>
    <circle cx="${bar * 1.2}" cy="${bar / 2}" r="${bar / 6}" fill="#28c840"/>
    <rect x="${bar * 1.8}" y="${bar * 0.25}" width="${total.width * 0.55}" height="${bar * 0.5}" rx="${bar * 0.2}" fill="#ffffff"/>
    ${Array.from({ length: 8 }, (_, i) => `<rect x="12" y="${bar + 20 + i * bar * 0.6}" width="${side * (0.5 + (i % 3) * 0.15)}" height="${bar * 0.22}" fill="#b9bcc6"/>`).join('')}
    <rect y="${total.height - Math.round(bar / 2)}" width="100%" height="${Math.round(bar / 2)}" fill="#2d2f36"/>
  </svg>`;
  const photo = await image.toBuffer();
  return sharp(Buffer.from(chrome)).composite([{ input: photo, left: side, top: bar }]);
}

function textOverlay(image: Sharp, width: number, height: number) {
  const size = Math.round(Math.min(width, height) / 7);
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">
    <text x="50%" y="55%" text-anchor="middle" font-family="sans-serif" font-weight="bold" font-size="${size}"
      fill="white" fill-opacity="0.75" stroke="black" stroke-width="${Math.max(1, size / 20)}">SAMPLE © 2026</text>
    <text x="96%" y="94%" text-anchor="end" font-family="sans-serif" font-size="${size / 2.5}" fill="yellow">@photo.agency</text>
  </svg>`;
  return image.composite([{ input: Buffer.from(svg) }]);
}

export const VARIANTS: Record<string, Edit> = {
  downscale: (image, width) => image.resize(Math.max(64, Math.round(width * 0.35))),
  'jpeg-q20': (image) => image,
  'centre-crop-70': (image, width, height) => image.extract(box(width, height, 0.7, 0.5, 0.5)),
  'off-centre-crop-50': (image, width, height) => image.extract(box(width, height, 0.5, 0.2, 0.3)),
  letterbox: (image, width, height) => image.extend({ top: Math.round(height * 0.2), bottom: Math.round(height * 0.2), background: '#000000' }),
  pillarbox: (image, width) => image.extend({ left: Math.round(width * 0.25), right: Math.round(width * 0.25), background: '#000000' }),
  screenshot,
  'rotate-5': (image) => image.rotate(5, { background: '#000000' }),
  'colour-shift': (image) => image.modulate({ hue: 25, saturation: 1.35, brightness: 1.08 }),
  flip: (image) => image.flop(),
  'text-overlay': textOverlay,
  grayscale: (image) => image.grayscale().toColourspace('srgb'),
};

export type VariantName = keyof typeof VARIANTS;

/** The edited copy of an original, as JPEG bytes. */
export async function makeVariant(original: Buffer, name: VariantName): Promise<Buffer> {
  const oriented = await sharp(original).rotate().removeAlpha().toBuffer({ resolveWithObject: true });
  const { width, height } = oriented.info;
  // Each edit starts from a fresh pipeline, so edits that need the pixels (composites) see a settled image.
  const edited = await VARIANTS[name](sharp(oriented.data), width, height);
  return sharp(await edited.png().toBuffer())
    .jpeg({ quality: name === 'jpeg-q20' ? 20 : 90 })
    .toBuffer();
}
