import fs from 'node:fs';
import path from 'node:path';
import type * as tfTypes from '@tensorflow/tfjs-node';
import type { ModelPreset } from './models';

/** CNN feature extraction with tfjs-node: pixels in, L2-normalized vectors out. */

export interface FeatureExtractor {
  readonly model: ModelPreset;
  /** Each input is inputSize x inputSize x 3 RGB uint8 pixels; returns one unit-length vector per input. */
  extract(images: readonly Buffer[]): Promise<number[][]>;
  dispose(): void;
}

/** Keras "caffe" preprocessing: BGR channel order, ImageNet channel means subtracted, no scaling. */
const CAFFE_BGR_MEAN = [103.939, 116.779, 123.68];

export class ModelMissingError extends Error {
  constructor(modelPath: string) {
    super(
      `Model weights not found at ${modelPath}. Run \`npm run setup\` in strapi-plugin-image-search, ` +
        'or set the plugin config model.path to a directory holding model.json.'
    );
    this.name = 'ModelMissingError';
  }
}

export function assertModelPresent(modelPath: string): void {
  if (!fs.existsSync(path.join(modelPath, 'model.json'))) throw new ModelMissingError(modelPath);
}

export async function loadExtractor(model: ModelPreset & { path: string }): Promise<FeatureExtractor> {
  assertModelPresent(model.path);
  // Loaded lazily: the native addon is heavy and only the indexer needs it.
  process.env.TF_CPP_MIN_LOG_LEVEL ??= '2';
  const tf: typeof tfTypes = await import('@tensorflow/tfjs-node');
  const full = await tf.loadLayersModel(`file://${path.join(model.path, 'model.json')}`);
  const features = tf.model({ inputs: full.inputs, outputs: full.getLayer(model.outputLayer).output as tfTypes.SymbolicTensor });
  const size = model.inputSize;
  const mean = tf.tensor1d(CAFFE_BGR_MEAN);

  return {
    model,

    async extract(images) {
      if (images.length === 0) return [];
      const batch = new Float32Array(images.length * size * size * 3);
      images.forEach((pixels, i) => {
        if (pixels.length !== size * size * 3) throw new Error(`Expected ${size}x${size}x3 pixels, got ${pixels.length} bytes`);
        batch.set(pixels, i * size * size * 3);
      });
      const output = tf.tidy(() => {
        const rgb = tf.tensor4d(batch, [images.length, size, size, 3]);
        const bgr = tf.reverse(rgb, -1).sub(mean);
        const vectors = (features.predict(bgr) as tfTypes.Tensor).reshape([images.length, -1]);
        return vectors.div(tf.maximum(tf.norm(vectors, 'euclidean', 1, true), 1e-12));
      });
      try {
        return (await output.array()) as number[][];
      } finally {
        output.dispose();
      }
    },

    dispose() {
      mean.dispose();
      full.dispose();
    },
  };
}
