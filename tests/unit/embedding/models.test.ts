import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-node';
import { parseConfig } from '../../../server/src/config/schema';
import { loadExtractor } from '../../../server/src/embedding/extractor';
import { resolveModel } from '../../../server/src/embedding/models';
import { buildVgg16 } from '../../../server/src/embedding/vgg16';

/**
 * User-supplied weights load through the one extractor code path: the test generates the weights, saves them in
 * each supported format, and checks the vectors against a forward pass computed here by hand.
 */

// Building, saving and loading VGG16-sized networks takes seconds.
jest.setTimeout(60_000);

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'image-search-models-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const modelConfig = (model: unknown) => parseConfig({ kafka: { brokers: ['k:9092'] }, milvus: { address: 'm:19530' }, model }).model;

/** Deterministic pixels of two different images. */
const images = (size: number) =>
  [1, 2].map((seed) => {
    const pixels = Buffer.alloc(size * size * 3);
    for (let i = 0; i < pixels.length; i++) pixels[i] = (i * 31 * seed + (i >> 7) * 17) % 256;
    return pixels;
  });

const CAFFE_MEAN = [103.939, 116.779, 123.68];

/** VGG16 by hand: caffe preprocessing, the network, global max pooling, L2 normalization. */
function referenceVgg16(network: tf.LayersModel, pixels: Buffer[], size: number): number[][] {
  return tf.tidy(() => {
    const rgb = tf.tensor4d(Float32Array.from(Buffer.concat(pixels)), [pixels.length, size, size, 3]);
    const features = (network.predict(tf.reverse(rgb, -1).sub(CAFFE_MEAN)) as tf.Tensor4D).max([1, 2]);
    return features.div(features.norm('euclidean', 1, true)).arraySync() as number[][];
  });
}

const expectClose = (actual: number[][], expected: number[][]) => {
  expect(actual).toHaveLength(expected.length);
  actual.forEach((vector, i) => {
    expect(vector).toHaveLength(expected[i].length);
    const cosine = vector.reduce((sum, value, j) => sum + value * expected[i][j], 0);
    expect(cosine).toBeGreaterThan(0.99999);
  });
};

describe('vgg16 with weights the user supplies', () => {
  const network = buildVgg16(tf);
  const pixels = images(224);
  let expected: number[][];

  beforeAll(() => {
    expected = referenceVgg16(network, pixels, 224);
  });
  afterAll(() => network.dispose());

  it('is the Keras architecture: 13 named conv layers, 512-d after global max pooling', () => {
    expect(network.layers.filter((layer) => /^block\d_conv\d$/.test(layer.name))).toHaveLength(13);
    expect(network.countParams()).toBe(14_714_688);
    expect(expected[0]).toHaveLength(512);
  });

  it('loads a tfjs layers model directory', async () => {
    const dir = path.join(tmp, 'vgg16-tfjs');
    await network.save(`file://${dir}`);
    const extractor = await loadExtractor(resolveModel(modelConfig({ id: 'vgg16', weights: dir })));
    try {
      expect(extractor.model).toMatchObject({ id: 'vgg16', dim: 512 });
      expectClose(await extractor.extract(pixels), expected);
    } finally {
      extractor.dispose();
    }
  });

  it('loads a Keras HDF5 weights file', async () => {
    const file = path.join(tmp, 'vgg16_weights_notop.h5');
    writeKerasWeightsFile(network, file);
    const extractor = await loadExtractor(resolveModel(modelConfig({ id: 'vgg16', weights: file })));
    try {
      expectClose(await extractor.extract(pixels), expected);
    } finally {
      extractor.dispose();
    }
  });
});

describe('custom models', () => {
  /** A small conv net; its features are a 4 x 4 x 8 map. */
  const small = () => {
    const input = tf.input({ shape: [32, 32, 3] });
    const conv = tf.layers.conv2d({ name: 'features', filters: 8, kernelSize: 3, strides: 8, padding: 'same', activation: 'relu' }).apply(input);
    const head = tf.layers.dense({ name: 'head', units: 3 }).apply(tf.layers.flatten().apply(conv));
    return tf.model({ inputs: input, outputs: head as tf.SymbolicTensor });
  };

  // GeM (p = 3) by hand: the cube root of the mean cube, over positions.
  const gem = (map: tf.Tensor4D) => map.maximum(1e-6).pow(3).mean([1, 2]).pow(1 / 3);
  // R-MAC's regions of a 4 x 4 map, written out: the whole map, 2 x 2 squares of side 3, 3 x 3 squares of side 2.
  const regions = [[0, 0, 4, 4], ...[0, 1].flatMap((y) => [0, 1].map((x) => [y, x, 3, 3])), ...[0, 1, 2].flatMap((y) => [0, 1, 2].map((x) => [y, x, 2, 2]))];
  const rmac = (map: tf.Tensor4D) =>
    regions
      .map(([y, x, rows, columns]) => gem(map.slice([0, y, x, 0], [-1, rows, columns, -1])))
      .map((region) => region.div(region.norm('euclidean', 1, true)))
      .reduce((sum, region) => sum.add(region));
  const byHand = { avg: (map: tf.Tensor4D) => map.mean([1, 2]), gem, rmac };

  it.each(['avg', 'gem', 'rmac'] as const)('reads any layer of a layers model, pooled as configured (%s)', async (pooling) => {
    const network = small();
    const dir = path.join(tmp, `custom-layers-${pooling}`);
    await network.save(`file://${dir}`);
    const config = { id: 'custom', name: 'small', path: dir, format: 'layers', outputLayer: 'features', inputSize: 32, preprocessing: 'tf', pooling, dim: 8 };
    const extractor = await loadExtractor(resolveModel(modelConfig(config)));
    const pixels = images(32);
    const expected = tf.tidy(() => {
      const features = tf.model({ inputs: network.inputs, outputs: network.getLayer('features').output as tf.SymbolicTensor });
      const input = tf.tensor4d(Float32Array.from(Buffer.concat(pixels)), [2, 32, 32, 3]).div(127.5).sub(1);
      const pooled = byHand[pooling](features.predict(input) as tf.Tensor4D);
      return pooled.div(pooled.norm('euclidean', 1, true)).arraySync() as number[][];
    });
    try {
      expect(extractor.model.id).toBe('custom_small');
      expectClose(await extractor.extract(pixels), expected);
    } finally {
      extractor.dispose();
      network.dispose();
    }
  });

  it('refuses a model whose vectors do not have the configured dimension', async () => {
    const network = small();
    const dir = path.join(tmp, 'custom-wrong-dim');
    await network.save(`file://${dir}`);
    const config = { id: 'custom', name: 'wrong', path: dir, format: 'layers', inputSize: 32, preprocessing: 'none', dim: 1000 };
    await expect(loadExtractor(resolveModel(modelConfig(config)))).rejects.toThrow('produces 3-d vectors, but its config says 1000');
    network.dispose();
  });

  it('runs a graph model up to the configured node', async () => {
    const dir = path.join(tmp, 'custom-graph');
    writeMeanGraphModel(dir);
    const config = { id: 'custom', name: 'mean', path: dir, format: 'graph', outputLayer: 'features', inputSize: 16, preprocessing: 'none', dim: 3 };
    const extractor = await loadExtractor(resolveModel(modelConfig(config)));
    try {
      // The graph averages each channel: a red image gives the unit vector along red.
      const red = Buffer.alloc(16 * 16 * 3);
      for (let i = 0; i < red.length; i += 3) red[i] = 200;
      const [vector] = await extractor.extract([red]);
      expect(vector[0]).toBeCloseTo(1, 5);
      expect(vector[1]).toBeCloseTo(0, 5);
    } finally {
      extractor.dispose();
    }
  });
});

describe('TensorFlow graph execution', () => {
  /** Every layer type the graph translation knows, with weights that are not trivial. */
  const zoo = () => {
    const input = tf.input({ shape: [32, 32, 3] });
    const padded = tf.layers.zeroPadding2d({ padding: [[1, 2], [2, 1]] }).apply(input) as tf.SymbolicTensor;
    const conv = tf.layers.conv2d({ filters: 8, kernelSize: 3, strides: 2, padding: 'valid', useBias: true }).apply(padded) as tf.SymbolicTensor;
    const bn = tf.layers.batchNormalization({ epsilon: 1.001e-5 }).apply(conv) as tf.SymbolicTensor;
    const relu = tf.layers.activation({ activation: 'relu' }).apply(bn) as tf.SymbolicTensor;
    const branch = tf.layers.conv2d({ filters: 8, kernelSize: 1, padding: 'same', activation: 'relu' }).apply(relu) as tf.SymbolicTensor;
    const sum = tf.layers.add().apply([relu, branch]) as tf.SymbolicTensor;
    const pooled = tf.layers.maxPooling2d({ poolSize: 2 }).apply(tf.layers.reLU().apply(sum)) as tf.SymbolicTensor;
    const averaged = tf.layers.averagePooling2d({ poolSize: 2, padding: 'same' }).apply(pooled) as tf.SymbolicTensor;
    const flat = tf.layers.flatten().apply(tf.layers.dropout({ rate: 0.5 }).apply(averaged)) as tf.SymbolicTensor;
    const dense = tf.layers.dense({ units: 6, activation: 'tanh', name: 'embedding' }).apply(flat) as tf.SymbolicTensor;
    const gap = tf.layers.globalAveragePooling2d({ name: 'gap' }).apply(averaged) as tf.SymbolicTensor;
    const model = tf.model({ inputs: input, outputs: [dense, gap] });
    // Moving statistics away from their initial 0 and 1, so batch normalization really computes something.
    const bnLayer = model.layers.find((layer) => layer.getClassName() === 'BatchNormalization')!;
    bnLayer.setWeights(bnLayer.getWeights().map((w, i) => tf.randomUniform(w.shape, i === 3 ? 0.5 : -0.5, 1.5, 'float32', i)));
    return model;
  };

  it.each([
    ['embedding', 6],
    ['gap', 8],
  ])('computes the same vectors as op-by-op execution, up to layer %s', async (outputLayer, dim) => {
    const network = zoo();
    const dir = path.join(tmp, `zoo-${outputLayer}`);
    await network.save(`file://${dir}`);
    const spec = resolveModel(modelConfig({ id: 'custom', name: 'zoo', path: dir, format: 'layers', outputLayer, inputSize: 32, preprocessing: 'tf', dim }));
    const [graph, eager] = [await loadExtractor(spec), await loadExtractor(spec, { execution: 'eager' })];
    try {
      const pixels = images(32);
      expectClose(await graph.extract(pixels), await eager.extract(pixels));
    } finally {
      graph.dispose();
      eager.dispose();
      network.dispose();
    }
  });

  it('falls back to op-by-op execution for a layer it cannot translate', async () => {
    const input = tf.input({ shape: [16, 16, 3] });
    const up = tf.layers.upSampling2d({ size: [2, 2] }).apply(input) as tf.SymbolicTensor;
    const out = tf.layers.globalMaxPooling2d({}).apply(tf.layers.conv2d({ filters: 4, kernelSize: 3 }).apply(up)) as tf.SymbolicTensor;
    const network = tf.model({ inputs: input, outputs: out });
    const dir = path.join(tmp, 'upsampling');
    await network.save(`file://${dir}`);
    const spec = resolveModel(modelConfig({ id: 'custom', name: 'up', path: dir, format: 'layers', inputSize: 16, preprocessing: 'none', dim: 4 }));
    const extractor = await loadExtractor(spec);
    try {
      const [vector] = await extractor.extract(images(16).slice(0, 1));
      expect(vector).toHaveLength(4);
    } finally {
      extractor.dispose();
      network.dispose();
    }
  });
});

/**
 * Writes the network's weights as Keras 2 does (layer_names on the root, weight_names per layer group), with
 * h5wasm in a child process: h5wasm is an ES module, which this CommonJS test cannot import.
 */
function writeKerasWeightsFile(network: tf.LayersModel, file: string) {
  const dir = fs.mkdtempSync(path.join(tmp, 'weights-'));
  const layers = network.layers
    .filter((layer) => layer.getWeights().length > 0)
    .map((layer) => ({
      name: layer.name,
      weights: layer.getWeights().map((tensor, i) => {
        const blob = path.join(dir, `${layer.name}-${i}.bin`);
        fs.writeFileSync(blob, Buffer.from((tensor.dataSync() as Float32Array).buffer));
        return { name: `${layer.name}/${i === 0 ? 'kernel' : 'bias'}:0`, shape: tensor.shape, blob };
      }),
    }));
  const script = `
    import h5wasm from 'h5wasm/node';
    import fs from 'node:fs';
    await h5wasm.ready;
    const [file, manifest] = process.argv.slice(1);
    const { layers } = JSON.parse(fs.readFileSync(manifest, 'utf8'));
    const h5 = new h5wasm.File(file, 'w');
    h5.create_attribute('layer_names', ['input_1', ...layers.map((l) => l.name)]);
    h5.create_group('input_1').create_attribute('weight_names', []);
    for (const layer of layers) {
      const group = h5.create_group(layer.name);
      group.create_attribute('weight_names', layer.weights.map((w) => w.name));
      group.create_group(layer.name);
      for (const w of layer.weights) {
        const bytes = fs.readFileSync(w.blob);
        const data = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
        h5.create_dataset({ name: layer.name + '/' + w.name, data, shape: w.shape, dtype: '<f' });
      }
    }
    h5.close();`;
  const manifest = path.join(dir, 'manifest.json');
  fs.writeFileSync(manifest, JSON.stringify({ layers }));
  execFileSync(process.execPath, ['--input-type=module', '-e', script, file, manifest], { cwd: path.resolve(__dirname, '../../..'), stdio: 'pipe' });
}

/** A hand-written tfjs graph model: features = mean of the input over height and width. */
function writeMeanGraphModel(dir: string) {
  fs.mkdirSync(dir, { recursive: true });
  const float = { type: 'DT_FLOAT' };
  const modelJson = {
    format: 'graph-model',
    generatedBy: 'strapi-plugin-image-search tests',
    modelTopology: {
      node: [
        { name: 'input', op: 'Placeholder', attr: { dtype: float, shape: { shape: { dim: [{ size: '-1' }, { size: '-1' }, { size: '-1' }, { size: '3' }] } } } },
        { name: 'axes', op: 'Const', attr: { dtype: { type: 'DT_INT32' }, value: { tensor: { dtype: 'DT_INT32', tensorShape: { dim: [{ size: '2' }] } } } } },
        { name: 'features', op: 'Mean', input: ['input', 'axes'], attr: { T: float, Tidx: { type: 'DT_INT32' }, keep_dims: { b: false } } },
      ],
      versions: { producer: 1 },
    },
    weightsManifest: [{ paths: ['weights.bin'], weights: [{ name: 'axes', shape: [2], dtype: 'int32' }] }],
  };
  fs.writeFileSync(path.join(dir, 'model.json'), JSON.stringify(modelJson));
  fs.writeFileSync(path.join(dir, 'weights.bin'), Buffer.from(new Int32Array([1, 2]).buffer));
}
