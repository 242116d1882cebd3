import path from 'node:path';
import { MODELS_DIR } from '../paths';

/** Model presets: what the extractor needs to know to turn pixels into one vector. */
export interface ModelPreset {
  id: string;
  /** Vector dimension; it fixes the Milvus collection schema. */
  dim: number;
  /** Square input side in pixels. */
  inputSize: number;
  /** Layer whose output is the feature vector. */
  outputLayer: string;
  /** Keras preprocessing mode: "caffe" = RGB->BGR and ImageNet mean subtraction, no scaling. */
  preprocessing: 'caffe';
}

export const MODEL_PRESETS = {
  resnet50: { id: 'resnet50', dim: 2048, inputSize: 224, outputLayer: 'avg_pool', preprocessing: 'caffe' },
} as const satisfies Record<string, ModelPreset>;

export type ModelId = keyof typeof MODEL_PRESETS;

export function resolveModel(config: { id: ModelId; path?: string }): ModelPreset & { path: string } {
  return { ...MODEL_PRESETS[config.id], path: config.path ?? path.join(MODELS_DIR, config.id) };
}
