import * as tf from '@tensorflow/tfjs-node';
import { fitWhitening } from '../../../server/src/whitening/fit';
import { spaceOf, toSpace, type Projection } from '../../../server/src/whitening/projection';
import { seededRandom } from '../../../server/src/whitening/training-edits';

/**
 * Vectors whose copies differ from their originals along a few loud directions (what edits change), while distinct
 * items differ along the others: a whitening learned from the pairs must make copies closer than any two distinct
 * items, which the raw vectors are not.
 */
const DIM = 32;
const LOUD = 4;
const random = seededRandom(3);
const gaussian = () => Math.sqrt(-2 * Math.log(random() + 1e-12)) * Math.cos(2 * Math.PI * random());
const unit = (v: number[]) => v.map((x) => x / Math.hypot(...v));
const originals = Array.from({ length: 200 }, () => unit(Array.from({ length: DIM }, (_, d) => (d < LOUD ? 0.2 : 1) * gaussian())));
const copyOf = (v: number[]) => unit(v.map((x, d) => x + (d < LOUD ? 0.5 : 0.03) * gaussian()));
const copies = originals.map(copyOf);
const dot = (a: number[], b: number[]) => a.reduce((sum, x, i) => sum + x * b[i], 0);

function projectionOf(dim: number): Projection {
  const flat = (rows: number[][]) => Float32Array.from(rows.flat());
  const { mean, matrix } = fitWhitening(tf, { inputDim: DIM, dim, library: flat([...originals, ...copies]), edited: flat(copies), originals: flat(originals), shrinkage: 0.1 });
  return { id: 'w1', modelId: 'm', inputDim: DIM, dim, mean, matrix, thresholds: { duplicate: 0, search: 0 }, fittedOn: { images: 200, pairs: 200, at: '' } };
}

/** The worst copy's similarity to its original, and the best similarity of two distinct items, over fresh items. */
function separation(similarity: (a: number[], b: number[]) => number) {
  const fresh = Array.from({ length: 100 }, () => unit(Array.from({ length: DIM }, (_, d) => (d < LOUD ? 0.2 : 1) * gaussian())));
  const worstCopy = Math.min(...fresh.map((v) => similarity(v, copyOf(v))));
  let bestDistinct = -Infinity;
  for (let i = 0; i < fresh.length; i++) for (let j = i + 1; j < fresh.length; j++) bestDistinct = Math.max(bestDistinct, similarity(fresh[i], fresh[j]));
  return { worstCopy, bestDistinct };
}

describe('learned whitening', () => {
  it('separates copies from distinct items where the raw vectors cannot, for items it never saw', () => {
    const raw = separation(dot);
    expect(raw.worstCopy).toBeLessThan(raw.bestDistinct);
    const space = spaceOf(projectionOf(16));
    const whitened = separation((a, b) => dot(toSpace(space, a), toSpace(space, b)));
    expect(whitened.worstCopy).toBeGreaterThan(whitened.bestDistinct);
  });

  it('keeps the dimensions asked for, the strongest first, and centres on the library\'s mean', () => {
    const projection = projectionOf(8);
    expect(projection.matrix).toHaveLength(8 * DIM);
    const library = [...originals, ...copies];
    for (const d of [0, 10, 31]) expect(projection.mean[d]).toBeCloseTo(library.reduce((sum, v) => sum + v[d], 0) / library.length, 5);
    // Variance of the library along each output row: it decreases.
    const variances = Array.from({ length: 8 }, (_, r) => {
      const values = library.map((v) => v.reduce((sum, x, d) => sum + (x - projection.mean[d]) * projection.matrix[r * DIM + d], 0));
      return values.reduce((sum, x) => sum + x * x, 0) / values.length;
    });
    for (let r = 1; r < 8; r++) expect(variances[r]).toBeLessThanOrEqual(variances[r - 1] * 1.0001);
  });
});
