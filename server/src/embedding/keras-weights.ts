import fs from 'node:fs/promises';
import type * as tfTypes from '@tensorflow/tfjs-node';
import { Dataset, File, Group } from 'jsfive';

/**
 * Reads a Keras 2 HDF5 weights file (`model.save_weights('x.h5')`, a full `model.save('x.h5')`, or the files Keras
 * applications download, such as vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5) into tensors by layer name.
 */
export async function readKerasWeights(tf: typeof tfTypes, file: string): Promise<Map<string, tfTypes.Tensor[]>> {
  const bytes = await fs.readFile(file);
  const h5 = new File(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer, file);
  const root = h5.keys.includes('model_weights') ? (h5.get('model_weights') as Group) : h5;
  if (!root.attrs.layer_names) {
    throw new Error(`${file} is not a Keras 2 HDF5 weights file (no layer_names attribute); save it with Keras 2 model.save_weights('x.h5')`);
  }
  const weights = new Map<string, tfTypes.Tensor[]>();
  for (const layer of names(root.attrs.layer_names)) {
    const group = root.get(layer) as Group;
    const tensors = names(group.attrs.weight_names).map((weight) => {
      const dataset = root.get(`${layer}/${weight}`) as Dataset;
      return tf.tensor(Float32Array.from(dataset.value), dataset.shape);
    });
    if (tensors.length > 0) weights.set(layer, tensors);
  }
  return weights;
}

/** HDF5 string attributes arrive as strings or byte arrays, depending on how they were written. */
function names(attribute: unknown): string[] {
  if (attribute === undefined || attribute === null) return [];
  const list = Array.isArray(attribute) ? attribute : [attribute];
  return list.map((item) => (typeof item === 'string' ? item : new TextDecoder().decode(item as Uint8Array)).replace(/\0+$/, ''));
}
