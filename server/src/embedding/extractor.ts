import fs from 'node:fs';
import path from 'node:path';
import type * as tfTypes from '@tensorflow/tfjs-node';
import { loadAsGraph, type Network } from './tf-graph';
import { readKerasWeights } from './keras-weights';
import type { ModelSpec, Pooling, Preprocessing } from './models';
import { buildVgg16 } from './vgg16';
import { quietTensorFlow } from './tf-logging';
import { fitWhitening, type FitInput, type FitOutput } from '../whitening/fit';

/** CNN feature extraction with tfjs-node: pixels in, L2-normalized vectors out, for any model of the registry. */

export interface FeatureExtractor {
  readonly model: ModelSpec;
  /** Each input is inputSize x inputSize x 3 RGB uint8 pixels; returns one unit-length vector per input. */
  extract(images: readonly Buffer[]): Promise<number[][]>;
  /** The learned whitening's linear algebra, in the TensorFlow the model runs in (whitening/fit.ts). */
  fitWhitening(input: FitInput): Promise<FitOutput>;
  dispose(): void;
}

type Tf = typeof tfTypes;

export class ModelMissingError extends Error {
  constructor(model: ModelSpec) {
    super(
      `Model ${model.id}: weights not found at ${model.source.path}. ` +
        (model.id.startsWith('resnet50')
          ? 'Run `bash node_modules/strapi-plugin-image-search/scripts/fetch-model.sh` (`npm run setup` in a clone), with the same IMAGE_SEARCH_CACHE as Strapi, or set the plugin config model.path.'
          : 'Check the plugin config model settings.')
    );
    this.name = 'ModelMissingError';
  }
}

const modelJson = (model: ModelSpec) => (model.source.format === 'vgg16-keras-weights' ? model.source.path : path.join(model.source.path, 'model.json'));

export function assertModelPresent(model: ModelSpec): void {
  if (!fs.existsSync(modelJson(model))) throw new ModelMissingError(model);
}

/** Loads tfjs-node lazily: the native addon is heavy and only the indexer needs it. */
export async function loadTf(): Promise<Tf> {
  quietTensorFlow();
  return import('@tensorflow/tfjs-node');
}

/**
 * Builds the forward pass of the model: preprocessed float batch in, raw features out. Layers models run as one
 * TensorFlow graph when every layer translates (see tf-graph.ts), otherwise eagerly.
 */
async function loadNetwork(tf: Tf, model: ModelSpec, execution: Execution): Promise<Network> {
  const { source, outputLayer } = model;
  if (source.format === 'graph') {
    const graph = await tf.loadGraphModel(`file://${modelJson(model)}`);
    return { predict: (x) => (outputLayer ? graph.execute(x, outputLayer) : graph.predict(x)) as tfTypes.Tensor, dispose: () => graph.dispose() };
  }
  const layers =
    source.format === 'layers'
      ? await tf.loadLayersModel(`file://${modelJson(model)}`)
      : buildVgg16(tf, await readKerasWeights(tf, source.path));
  // The graph runner takes over the layers model: its weights are the graph's inputs.
  const graph = execution === 'graph' ? await loadAsGraph(tf, layers, outputLayer) : null;
  if (graph) return graph;
  const features = outputLayer ? tf.model({ inputs: layers.inputs, outputs: layers.getLayer(outputLayer).output as tfTypes.SymbolicTensor }) : layers;
  return { predict: (x) => features.predict(x) as tfTypes.Tensor, dispose: () => layers.dispose() };
}

/** Keras's preprocess_input, on RGB values in [0, 255]. */
function preprocess(tf: Tf, rgb: tfTypes.Tensor4D, mode: Preprocessing): tfTypes.Tensor4D {
  switch (mode) {
    case 'caffe':
      return tf.reverse(rgb, -1).sub(tf.tensor1d([103.939, 116.779, 123.68]));
    case 'tf':
      return rgb.div(127.5).sub(1);
    case 'torch':
      return rgb.div(255).sub(tf.tensor1d([0.485, 0.456, 0.406])).div(tf.tensor1d([0.229, 0.224, 0.225]));
    case 'none':
      return rgb;
  }
}

const GEM_POWER = 3;

function pool(tf: Tf, features: tfTypes.Tensor, pooling: Pooling): tfTypes.Tensor2D {
  if (features.rank !== 4 || pooling === 'none') return features.reshape([features.shape[0], -1]);
  if (pooling === 'avg') return tf.mean(features, [1, 2]);
  if (pooling === 'max') return tf.max(features, [1, 2]);
  if (pooling === 'gem') return gem(tf, features);
  // GeM of each region, as few tensor operations as the regions allow: each one costs about 0.1 ms whatever its size.
  const [, height, width] = features.shape;
  const cubed = tf.pow(tf.maximum(features, 1e-6), GEM_POWER);
  const means = rmacRegions(height, width).map(([top, left, rows, columns]) => tf.mean(tf.slice(cubed, [0, top, left, 0], [-1, rows, columns, -1]), [1, 2]));
  const regions = tf.pow(tf.stack(means, 1), 1 / GEM_POWER);
  const normalised = tf.unstack(regions.div(tf.maximum(tf.norm(regions, 'euclidean', 2, true), 1e-12)), 1);
  return normalised.reduce((sum, region) => sum.add(region)) as tfTypes.Tensor2D;
}

/** The floor keeps pow away from zero and negative values of maps that are not ReLU outputs. */
const gem = (tf: Tf, map: tfTypes.Tensor): tfTypes.Tensor2D => tf.pow(tf.mean(tf.pow(tf.maximum(map, 1e-6), GEM_POWER), [1, 2]), 1 / GEM_POWER);

/**
 * R-MAC's regions of a height x width map, as [top, left, rows, columns]: the whole map, then at levels 2 and 3
 * squares of 2/(level + 1) of its short side, level x level of them spread evenly (on a 7 x 7 map: 1 + 4 + 9).
 */
export function rmacRegions(height: number, width: number): Array<[number, number, number, number]> {
  const regions: Array<[number, number, number, number]> = [[0, 0, height, width]];
  for (const level of [2, 3]) {
    const side = Math.round((2 * Math.min(height, width)) / (level + 1));
    const starts = (extent: number) => Array.from({ length: level }, (_, i) => Math.round((i * (extent - side)) / (level - 1)));
    for (const top of starts(height)) for (const left of starts(width)) regions.push([top, left, side, side]);
  }
  return regions;
}

/** 'eager' is for comparisons only (bench/speed.ts): it runs layers models op by op. */
export type Execution = 'graph' | 'eager';

export async function loadExtractor(model: ModelSpec, { execution = 'graph' }: { execution?: Execution } = {}): Promise<FeatureExtractor> {
  assertModelPresent(model);
  const tf = await loadTf();
  const network = await loadNetwork(tf, model, execution);
  const size = model.inputSize;
  const pixelsPerImage = size * size * 3;

  // A first prediction checks the configured dimension, and warms the graph up.
  const probe = tf.tidy(() => pool(tf, network.predict(tf.zeros([1, size, size, 3])), model.pooling));
  const dim = probe.shape[1];
  probe.dispose();
  if (dim !== model.dim) {
    network.dispose();
    throw new Error(`Model ${model.id} produces ${dim}-d vectors, but its config says ${model.dim}`);
  }

  return {
    model,

    async extract(images) {
      if (images.length === 0) return [];
      const batch = new Float32Array(images.length * pixelsPerImage);
      images.forEach((pixels, i) => {
        if (pixels.length !== pixelsPerImage) throw new Error(`Expected ${size}x${size}x3 pixels, got ${pixels.length} bytes`);
        batch.set(pixels, i * pixelsPerImage);
      });
      const vectors = tf.tidy(() => {
        const input = preprocess(tf, tf.tensor4d(batch, [images.length, size, size, 3]), model.preprocessing);
        const features = pool(tf, network.predict(input), model.pooling);
        return features.div(tf.maximum(tf.norm(features, 'euclidean', 1, true), 1e-12));
      });
      try {
        return (await vectors.array()) as number[][];
      } finally {
        vectors.dispose();
      }
    },

    fitWhitening: async (input) => fitWhitening(tf, input),

    dispose: () => network.dispose(),
  };
}
