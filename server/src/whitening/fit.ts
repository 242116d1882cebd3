import type * as tfTypes from '@tensorflow/tfjs-node';

/**
 * The learned whitening's linear algebra (Radenović et al. 2018, "Fine-tuning CNN image retrieval with no human
 * annotation", section 3.4): whiten by the covariance of (copy - original) over matching pairs, shrunk towards the
 * identity, then keep the principal directions of the whitened library. Runs in TensorFlow, whose symmetric
 * eigendecomposition takes about 1.5 s at 2048-d (a JavaScript one took 90 s).
 */

type Tf = typeof tfTypes;

export interface FitInput {
  inputDim: number;
  /** Output dimensions kept. */
  dim: number;
  /** Rows of inputDim values that set the mean and the principal directions: library images and their edits. */
  library: Float32Array;
  /** Pairs, row by row: edited[i] is a copy of originals[i]. */
  edited: Float32Array;
  originals: Float32Array;
  /** The pairs' covariance gets this share of its mean eigenvalue added: it stays invertible with few pairs. */
  shrinkage: number;
}

export interface FitOutput {
  mean: Float32Array;
  /** dim rows of inputDim values. */
  matrix: Float32Array;
}

/** tfjs-node's backend runs any TensorFlow op by name; tfjs itself has no eigendecomposition. */
interface NodeBackend {
  binding: { TF_ATTR_BOOL: number; TF_ATTR_TYPE: number; TF_FLOAT: number };
  executeMultipleOutputs(name: string, attrs: Array<{ name: string; type: number; value: unknown }>, inputs: tfTypes.Tensor[], count: number): tfTypes.Tensor[];
}

/** Eigenvalues (ascending) and eigenvectors (columns) of a symmetric matrix. */
function eigh(tf: Tf, symmetric: tfTypes.Tensor2D): [tfTypes.Tensor1D, tfTypes.Tensor2D] {
  const backend = tf.backend() as unknown as NodeBackend;
  const { binding } = backend;
  const [values, vectors] = backend.executeMultipleOutputs(
    'SelfAdjointEigV2',
    [
      { name: 'compute_v', type: binding.TF_ATTR_BOOL, value: true },
      { name: 'T', type: binding.TF_ATTR_TYPE, value: binding.TF_FLOAT },
    ],
    [symmetric],
    2
  );
  return [values as tfTypes.Tensor1D, vectors as tfTypes.Tensor2D];
}

/** (m + mᵀ) / 2: float rounding leaves a product's symmetry approximate. */
const symmetrised = (tf: Tf, m: tfTypes.Tensor2D) => tf.div(tf.add(m, tf.transpose(m)), 2) as tfTypes.Tensor2D;

export function fitWhitening(tf: Tf, input: FitInput): FitOutput {
  const { inputDim, dim, shrinkage } = input;
  const rows = (values: Float32Array) => tf.tensor2d(values, [values.length / inputDim, inputDim]);
  const tensors: tfTypes.Tensor[] = [];
  const keep = <T extends tfTypes.Tensor>(tensor: T) => (tensors.push(tensor), tensor);
  try {
    const whitening = tf.tidy(() => {
      const differences = tf.sub(rows(input.edited), rows(input.originals));
      const covariance = tf.div(tf.matMul(differences, differences, true, false), differences.shape[0]) as tfTypes.Tensor2D;
      const floor = tf.mul(tf.div(tf.sum(tf.mul(covariance, tf.eye(inputDim))), inputDim), shrinkage);
      return symmetrised(tf, tf.add(covariance, tf.mul(tf.eye(inputDim), floor)) as tfTypes.Tensor2D);
    });
    keep(whitening);
    const [values, vectors] = eigh(tf, whitening);
    keep(values);
    keep(vectors);
    // C^(-1/2) = V diag(1/sqrt(w)) Vᵀ
    const inverseRoot = keep(tf.tidy(() => tf.matMul(tf.mul(vectors, tf.rsqrt(tf.maximum(values, 1e-12))), vectors, false, true)));
    const library = keep(rows(input.library));
    const mean = keep(tf.mean(library, 0));
    const principal = keep(
      tf.tidy(() => {
        const whitened = tf.matMul(tf.sub(library, mean), inverseRoot, false, true);
        return symmetrised(tf, tf.div(tf.matMul(whitened, whitened, true, false), whitened.shape[0]) as tfTypes.Tensor2D);
      })
    );
    const [, directions] = eigh(tf, principal);
    keep(directions);
    // The last `dim` eigenvectors are the largest, ascending: reversed, the strongest direction comes first.
    const matrix = keep(tf.tidy(() => tf.matMul(tf.reverse(tf.slice(directions, [0, inputDim - dim], [inputDim, dim]), 1), inverseRoot, true, false)));
    return { mean: new Float32Array(mean.dataSync()), matrix: new Float32Array(matrix.dataSync()) };
  } finally {
    tensors.forEach((tensor) => tensor.dispose());
  }
}
