import sharp from 'sharp';
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

/** Renders a Vega-Lite chart to a PNG file (Vega draws the SVG, sharp rasterises it). */
export async function savePlot(spec: TopLevelSpec, file: string): Promise<void> {
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  const svg = await view.toSVG(2);
  await sharp(Buffer.from(svg)).flatten({ background: '#ffffff' }).png().toFile(file);
}
