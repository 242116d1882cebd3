import type * as tfTypes from '@tensorflow/tfjs-node';

/**
 * The VGG16 architecture without its classifier (Keras applications' include_top=False), with Keras's layer
 * names, so weights saved by Keras load by name. The input takes any size; 224 x 224 gives a 7 x 7 x 512 block5_pool.
 */

const BLOCKS = [
  { filters: 64, convs: 2 },
  { filters: 128, convs: 2 },
  { filters: 256, convs: 3 },
  { filters: 512, convs: 3 },
  { filters: 512, convs: 3 },
];

/** Builds the network; `weights` maps a layer name to its [kernel, bias], as read from a Keras weights file. */
export function buildVgg16(tf: typeof tfTypes, weights?: Map<string, tfTypes.Tensor[]>): tfTypes.LayersModel {
  const input = tf.input({ shape: [null, null, 3] as unknown as number[], name: 'input_1' });
  let x: tfTypes.SymbolicTensor = input;
  BLOCKS.forEach(({ filters, convs }, b) => {
    for (let c = 1; c <= convs; c++) {
      const name = `block${b + 1}_conv${c}`;
      x = tf.layers.conv2d({ name, filters, kernelSize: 3, padding: 'same', activation: 'relu' }).apply(x) as tfTypes.SymbolicTensor;
    }
    x = tf.layers.maxPooling2d({ name: `block${b + 1}_pool`, poolSize: 2, strides: 2 }).apply(x) as tfTypes.SymbolicTensor;
  });
  const model = tf.model({ inputs: input, outputs: x, name: 'vgg16' });
  if (weights) {
    for (const layer of model.layers.filter((l) => l.name.includes('_conv'))) {
      const values = weights.get(layer.name);
      if (!values) throw new Error(`The VGG16 weights file has no weights for layer ${layer.name}`);
      layer.setWeights(values);
    }
    weights.forEach((values) => values.forEach((tensor) => tensor.dispose()));
  }
  return model;
}
