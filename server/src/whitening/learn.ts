import type { FitInput, FitOutput } from './fit';
import { projectionId, spaceOf, toSpace, type Projection, type Thresholds } from './projection';
import { trainingEdits } from './training-edits';

/**
 * Learns a library's whitening from the library itself: a sample of its images, each with the project's own edits
 * (training-edits.ts), gives the matching pairs; no outside data. The thresholds are calibrated on images the fit
 * did not see (three folds, each fitted on the other two), so they keep what they promise for images added later,
 * then the projection is fitted on the whole sample. One code path for Strapi's rebuild, find-duplicates and the
 * quality benchmark.
 */

/** Dimensions of a learned space at most: a quarter of ResNet50's 2048, the seed system's size. */
export const WHITENED_DIM = 512;
const SHRINKAGE = 1;
const FOLDS = 3;
/** Share of held-out (copy, original) pairs at or above each threshold. */
const KEEP = { duplicate: 0.99, search: 0.999 } as const;
/** Images edited and embedded together: one model call for all their edits. */
const CHUNK = 4;

export interface LearnDeps {
  modelId: string;
  inputDim: number;
  /** Images sampled from the library. */
  count: number;
  /** Fewer readable images than this, and nothing is learned (config whitening.minImages). */
  minImages: number;
  read(index: number): Promise<Buffer>;
  /** Model vectors of images in hand, by the embedder everything uses; an Error for one that cannot be read. */
  embed(images: Buffer[]): Promise<Array<number[] | Error>>;
  /** Where TensorFlow runs (fit.ts). */
  fit(input: FitInput): Promise<FitOutput>;
  onProgress?(done: number, total: number): void;
  signal?: AbortSignal;
}

interface Sample {
  original: number[];
  edited: number[][];
}

/** The learned projection, or null when too few of the sampled images could be read to learn from. */
export async function learnProjection(deps: LearnDeps): Promise<Projection | null> {
  const samples = await sampleVectors(deps);
  if (samples.length < deps.minImages) return null;
  const folds = Array.from({ length: FOLDS }, (_, fold) => samples.filter((_, i) => i % FOLDS === fold));
  const heldOut: number[] = [];
  for (const [fold, test] of folds.entries()) {
    const space = spaceOf(asProjection(deps, await deps.fit(fitInput(deps, samples.filter((_, i) => i % FOLDS !== fold))), []));
    for (const { original, edited } of test) {
      const target = toSpace(space, original);
      for (const copy of edited) heldOut.push(dot(toSpace(space, copy), target));
    }
  }
  const thresholds: Thresholds = { duplicate: keeping(heldOut, KEEP.duplicate), search: keeping(heldOut, KEEP.search) };
  return { ...asProjection(deps, await deps.fit(fitInput(deps, samples)), samples), thresholds };
}

/** Each readable sampled image's vector and its edits' vectors. */
async function sampleVectors(deps: LearnDeps): Promise<Sample[]> {
  const samples: Sample[] = [];
  for (let start = 0; start < deps.count; start += CHUNK) {
    deps.signal?.throwIfAborted();
    const indices = Array.from({ length: Math.min(CHUNK, deps.count - start) }, (_, k) => start + k);
    const images = await Promise.all(
      indices.map(async (index) => {
        try {
          const bytes = await deps.read(index);
          return [bytes, ...(await trainingEdits(bytes, index))];
        } catch {
          // Unreadable here (gone, corrupt, not an image sharp can edit): the sample does without it.
          return [];
        }
      })
    );
    const vectors = await deps.embed(images.flat());
    let next = 0;
    for (const group of images) {
      const [original, ...edited] = vectors.slice(next, next + group.length);
      next += group.length;
      if (!original || original instanceof Error) continue;
      const copies = edited.filter((vector): vector is number[] => !(vector instanceof Error));
      if (copies.length > 0) samples.push({ original, edited: copies });
    }
    deps.onProgress?.(Math.min(start + CHUNK, deps.count), deps.count);
  }
  return samples;
}

function fitInput(deps: LearnDeps, samples: readonly Sample[]): FitInput {
  const flat = (vectors: number[][]) => Float32Array.from(vectors.flat());
  const pairs = samples.flatMap(({ original, edited }) => edited.map((copy) => [copy, original]));
  return {
    inputDim: deps.inputDim,
    dim: Math.min(WHITENED_DIM, deps.inputDim),
    library: flat(samples.flatMap(({ original, edited }) => [original, ...edited])),
    edited: flat(pairs.map(([copy]) => copy)),
    originals: flat(pairs.map(([, original]) => original)),
    shrinkage: SHRINKAGE,
  };
}

/** The fitted map, its thresholds still to be calibrated. */
function asProjection(deps: LearnDeps, { mean, matrix }: FitOutput, samples: readonly Sample[]): Projection {
  return {
    id: projectionId(deps.modelId, mean, matrix),
    modelId: deps.modelId,
    inputDim: deps.inputDim,
    dim: matrix.length / deps.inputDim,
    mean,
    matrix,
    thresholds: { duplicate: 0, search: 0 },
    fittedOn: { images: samples.length, pairs: samples.reduce((sum, { edited }) => sum + edited.length, 0), at: new Date().toISOString() },
  };
}

const dot = (a: readonly number[], b: readonly number[]) => a.reduce((sum, value, i) => sum + value * b[i], 0);

/** The similarity that `share` of the values reach, rounded down to 0.01. */
function keeping(values: number[], share: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return Math.floor(sorted[Math.floor((1 - share) * (sorted.length - 1))] * 100) / 100;
}
