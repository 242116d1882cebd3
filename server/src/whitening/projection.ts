import { createHash } from 'node:crypto';

/**
 * The space an index's vectors live in. The model's vectors (GeM, 2048-d for ResNet50) go through a learned
 * whitening (Radenović et al. 2018): centred on the library's mean, whitened by how copies differ from their
 * originals, reduced to the directions along which distinct photos differ most. Copies then sit far closer to
 * their originals than distinct photos do to each other, in a quarter of the dimensions. A library too small to
 * learn from keeps the model's own vectors (the identity space).
 */

export interface Thresholds {
  /** Similarity from which two images are candidate duplicates (stage 1 of the duplicate decision). */
  duplicate: number;
  /** Default cut of "find similar" results. */
  search: number;
}

export interface Projection {
  /** Names the space: `w` and a digest of the matrix, so two fits never share one. */
  id: string;
  /** The model whose vectors it takes. */
  modelId: string;
  inputDim: number;
  dim: number;
  /** inputDim values. */
  mean: Float32Array;
  /** dim rows of inputDim values. */
  matrix: Float32Array;
  /** Calibrated on photos the fit did not see, so that they hold for images it never saw. */
  thresholds: Thresholds;
  /** What it was learned from. */
  fittedOn: { images: number; pairs: number; at: string };
}

export interface Space {
  /** `identity`, or the projection's id. */
  id: string;
  dim: number;
  projection: Projection | null;
  thresholds: Thresholds;
}

export const IDENTITY = 'identity';

/**
 * Thresholds of the model's own vectors (R-MAC GeM), from `npm run bench:quality`: 0.70 keeps 96% of edited copies
 * as candidates, 0.45 keeps 99.9% of them among search results while dropping 85% of the unrelated photos.
 */
export const IDENTITY_THRESHOLDS: Thresholds = { duplicate: 0.7, search: 0.45 };

export const identitySpace = (dim: number): Space => ({ id: IDENTITY, dim, projection: null, thresholds: IDENTITY_THRESHOLDS });

export const spaceOf = (projection: Projection): Space => ({ id: projection.id, dim: projection.dim, projection, thresholds: projection.thresholds });

/** The id a projection gets: a digest of what it computes. */
export function projectionId(modelId: string, mean: Float32Array, matrix: Float32Array): string {
  const digest = createHash('sha256').update(modelId).update(new Uint8Array(mean.buffer, mean.byteOffset, mean.byteLength)).update(new Uint8Array(matrix.buffer, matrix.byteOffset, matrix.byteLength));
  return `w${digest.digest('hex').slice(0, 12)}`;
}

/** A model vector in the space: centred, projected and L2-normalized (unchanged in the identity space). */
export function toSpace(space: Space, vector: readonly number[]): number[] {
  const { projection } = space;
  if (!projection) return [...vector];
  const { inputDim, dim, mean, matrix } = projection;
  if (vector.length !== inputDim) throw new Error(`space ${space.id} takes ${inputDim}-d vectors, not ${vector.length}-d`);
  const centred = new Float32Array(inputDim);
  for (let i = 0; i < inputDim; i++) centred[i] = vector[i] - mean[i];
  const out = new Array<number>(dim);
  let norm = 0;
  for (let r = 0; r < dim; r++) {
    let sum = 0;
    const row = r * inputDim;
    for (let i = 0; i < inputDim; i++) sum += matrix[row + i] * centred[i];
    out[r] = sum;
    norm += sum * sum;
  }
  const scale = 1 / Math.max(Math.sqrt(norm), 1e-12);
  for (let r = 0; r < dim; r++) out[r] *= scale;
  return out;
}
