import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type * as tfTypes from '@tensorflow/tfjs-node';

/**
 * Runs a tfjs layers model as one TensorFlow graph instead of op by op.
 *
 * tfjs-node executes a layers model eagerly: every layer is a few separate TensorFlow calls, and nothing is fused.
 * Keras runs the same network as a graph, which TensorFlow's optimizer fuses (convolution, bias, normalization,
 * activation), and was about 1.3x faster (bench/speed.ts). So the model, up to its feature layer, is written as a
 * GraphDef, wrapped in a SavedModel and loaded into a libtensorflow session through tfjs-node.
 *
 * The weights are graph inputs, fed from the tfjs tensors on every run, not constants: with constants TensorFlow
 * kept several copies of them and the worker's RSS went from about 0.8 to 1.8 GB.
 *
 * Only common CNN layers are translated; a model with anything else keeps running eagerly (null is returned).
 */

type Tf = typeof tfTypes;
type Layer = tfTypes.layers.Layer;

// tfjs-node's own generated protobuf classes: the ones its SavedModel loader reads back.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const pb = require('@tensorflow/tfjs-node/dist/proto/api_pb');

const DT_FLOAT = 1;
const DT_INT32 = 3;
const INPUT = 'input';
const INPUT_SHAPE = [-1, -1, -1, 3];

/** A model's forward pass, however it runs: preprocessed batch in, raw features out. */
export interface Network {
  predict(x: tfTypes.Tensor4D): tfTypes.Tensor;
  dispose(): void;
}

class Unsupported extends Error {}

interface Graph {
  nodes: unknown[];
  output: string;
  /** Weight inputs by node name; the tensors belong to the layers model, which must outlive the session. */
  weights: Map<string, tfTypes.Tensor>;
}

/** Builds the graph of `model` up to `outputLayer`, loads it, and returns a runner; null when a layer has no translation. */
export async function loadAsGraph(tf: Tf, model: tfTypes.LayersModel, outputLayer?: string): Promise<Network | null> {
  let graph: Graph;
  try {
    graph = translate(tf, model, outputLayer ? model.getLayer(outputLayer) : model.layers[model.layers.length - 1]);
  } catch (error) {
    if (error instanceof Unsupported) return null;
    throw error;
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'image-search-graph-'));
  try {
    fs.mkdirSync(path.join(dir, 'variables'));
    fs.writeFileSync(path.join(dir, 'saved_model.pb'), savedModel(graph));
    const session = await tf.node.loadSavedModel(dir, ['serve'], 'serving_default');
    const inputs: tfTypes.NamedTensorMap = Object.fromEntries(graph.weights);
    return {
      predict: (x) => {
        const result = session.predict({ ...inputs, [INPUT]: x });
        return (result instanceof tf.Tensor ? result : (result as tfTypes.NamedTensorMap).features) as tfTypes.Tensor;
      },
      dispose: () => {
        session.dispose();
        model.dispose();
        // Folded weights, and stand-ins for absent normalization parameters, are not the model's.
        for (const tensor of graph.weights.values()) if (!tensor.isDisposed) tensor.dispose();
      },
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** A convolution with the batch normalization that follows it folded into its kernel and bias. */
interface Fold {
  kernel: tfTypes.Tensor;
  bias: tfTypes.Tensor;
}

interface Context {
  nodes: unknown[];
  weights: Map<string, tfTypes.Tensor>;
  /** By convolution name. */
  folds: Map<string, Fold>;
  /** Batch normalizations already folded into their convolution. */
  foldedNorms: Set<string>;
}

/**
 * Folds each inference-mode batch normalization into the convolution feeding it (when nothing else reads that
 * convolution): the same arithmetic with one op and two weights instead of three ops and six weights.
 */
function foldNorms(tf: Tf, model: tfTypes.LayersModel): Pick<Context, 'folds' | 'foldedNorms'> {
  const folds = new Map<string, Fold>();
  const foldedNorms = new Set<string>();
  for (const norm of model.layers.filter((layer) => layer.getClassName() === 'BatchNormalization')) {
    const config = norm.getConfig() as Record<string, unknown>;
    const conv = norm.inboundNodes[0]?.inputTensors[0]?.sourceLayer;
    if (!conv || conv.getClassName() !== 'Conv2D' || conv.outboundNodes.length !== 1 || norm.inboundNodes.length !== 1) continue;
    if (![-1, 3].includes(Number(config.axis)) || (conv.getConfig().activation ?? 'linear') !== 'linear') continue;
    const read = (layer: Layer, suffix: string) => weightOf(layer, suffix)?.read();
    folds.set(
      conv.name,
      tf.tidy(() => {
        const mean = read(norm, 'moving_mean')!;
        const scale = (read(norm, 'gamma') ?? tf.onesLike(mean)).div(read(norm, 'moving_variance')!.add(Number(config.epsilon)).sqrt());
        const bias = conv.getConfig().useBias !== false ? read(conv, 'bias')! : tf.zerosLike(mean);
        return {
          kernel: read(conv, 'kernel')!.mul(scale),
          bias: bias.sub(mean).mul(scale).add(read(norm, 'beta') ?? tf.zerosLike(mean)),
        };
      })
    );
    foldedNorms.add(norm.name);
  }
  return { folds, foldedNorms };
}

/** The GraphDef nodes computing `last`'s output from the model input and the weights. */
function translate(tf: Tf, model: tfTypes.LayersModel, last: Layer): Graph {
  const context: Context = { nodes: [], weights: new Map(), ...foldNorms(tf, model) };
  const done = new Map<string, string>();

  const visit = (layer: Layer): string => {
    const known = done.get(layer.name);
    if (known) return known;
    if (layer.inboundNodes.length !== 1) throw new Unsupported(`layer ${layer.name} is shared or unused`);
    // An input layer's node lists its own output as its input.
    const inputs = layer.getClassName() === 'InputLayer' ? [] : layer.inboundNodes[0].inputTensors.map((tensor) => visit(tensor.sourceLayer));
    const output = emit(layer, inputs, context);
    done.set(layer.name, output);
    return output;
  };

  if (model.inputs.length !== 1) throw new Unsupported('the model has several inputs');
  const output = visit(last);
  // Folds of layers past the output layer were never used.
  for (const [conv, fold] of context.folds) if (!done.has(conv)) tf.dispose([fold.kernel, fold.bias]);
  return { nodes: context.nodes, output, weights: context.weights };
}

const weightOf = (layer: Layer, suffix: string): tfTypes.LayerVariable | undefined =>
  layer.weights.find((weight) => weight.originalName.endsWith(`/${suffix}`));

/** Appends the nodes of one layer; returns the name of its output node. */
function emit(layer: Layer, inputs: string[], { nodes, weights, folds, foldedNorms }: Context): string {
  const config = layer.getConfig() as Record<string, unknown>;
  const name = layer.name;
  const add = (nodeName: string, op: string, nodeInputs: string[], attrs: Record<string, AttrSpec> = {}) => {
    nodes.push(node(nodeName, op, nodeInputs, attrs));
    return nodeName;
  };
  const weight = (nodeName: string, tensor: tfTypes.Tensor) => {
    weights.set(nodeName, tensor);
    return add(nodeName, 'Placeholder', [], { dtype: { type: DT_FLOAT }, shape: { shape: tensor.shape } });
  };
  const ints = (nodeName: string, values: number[], shape: number[]) =>
    add(nodeName, 'Const', [], { dtype: { type: DT_INT32 }, value: { intTensor: { values, shape } } });
  const float = { T: { type: DT_FLOAT } };
  const activation = (input: string, fn: unknown) => {
    const op = ACTIVATIONS[String(fn ?? 'linear')];
    if (op === undefined) throw new Unsupported(`activation ${String(fn)}`);
    return op ? add(`${name}/${op}`, op, [input], float) : input;
  };
  const pair = (value: unknown) => (Array.isArray(value) ? (value as number[]) : [value as number, value as number]);
  const padding = (value: unknown) => ({ s: String(value).toUpperCase() });
  if (config.dataFormat !== undefined && config.dataFormat !== 'channelsLast') throw new Unsupported(`${name}: channels first`);

  switch (layer.getClassName()) {
    case 'InputLayer':
      return add(INPUT, 'Placeholder', [], { dtype: { type: DT_FLOAT }, shape: { shape: INPUT_SHAPE } });
    case 'Conv2D': {
      const [sy, sx] = pair(config.strides);
      const [dy, dx] = pair(config.dilationRate ?? 1);
      const fold = folds.get(name);
      let out = add(name, 'Conv2D', [inputs[0], weight(`${name}/kernel`, fold?.kernel ?? weightOf(layer, 'kernel')!.read())], {
        ...float,
        strides: { ints: [1, sy, sx, 1] },
        dilations: { ints: [1, dy, dx, 1] },
        padding: padding(config.padding),
        data_format: { s: 'NHWC' },
      });
      const bias = fold?.bias ?? (config.useBias !== false ? weightOf(layer, 'bias')?.read() : undefined);
      if (bias) out = add(`${name}/BiasAdd`, 'BiasAdd', [out, weight(`${name}/bias`, bias)], { ...float, data_format: { s: 'NHWC' } });
      return activation(out, config.activation);
    }
    case 'Dense': {
      let out = add(name, 'MatMul', [inputs[0], weight(`${name}/kernel`, weightOf(layer, 'kernel')!.read())], {
        ...float,
        transpose_a: { b: false },
        transpose_b: { b: false },
      });
      const bias = weightOf(layer, 'bias');
      if (config.useBias !== false && bias) out = add(`${name}/BiasAdd`, 'BiasAdd', [out, weight(`${name}/bias`, bias.read())], { ...float, data_format: { s: 'NHWC' } });
      return activation(out, config.activation);
    }
    case 'BatchNormalization': {
      if (foldedNorms.has(name)) return inputs[0];
      if (![-1, 3].includes(Number(config.axis))) throw new Unsupported(`${name}: batch normalization over axis ${String(config.axis)}`);
      const mean = weightOf(layer, 'moving_mean')!.read();
      const ones = () => weight(`${name}/ones`, mean.onesLike());
      const zeros = () => weight(`${name}/zeros`, mean.zerosLike());
      const gamma = weightOf(layer, 'gamma');
      const beta = weightOf(layer, 'beta');
      return add(
        name,
        'FusedBatchNormV3',
        [
          inputs[0],
          gamma ? weight(`${name}/gamma`, gamma.read()) : ones(),
          beta ? weight(`${name}/beta`, beta.read()) : zeros(),
          weight(`${name}/moving_mean`, mean),
          weight(`${name}/moving_variance`, weightOf(layer, 'moving_variance')!.read()),
        ],
        { ...float, U: { type: DT_FLOAT }, epsilon: { f: Number(config.epsilon) }, data_format: { s: 'NHWC' }, is_training: { b: false } }
      );
    }
    case 'Activation':
      return activation(inputs[0], config.activation);
    case 'ReLU':
      if (config.maxValue != null || Number(config.negativeSlope ?? 0) !== 0 || Number(config.threshold ?? 0) !== 0) throw new Unsupported(`${name}: ReLU options`);
      return add(name, 'Relu', inputs, float);
    case 'ZeroPadding2D': {
      const [[top, bottom], [left, right]] = config.padding as number[][];
      return add(name, 'Pad', [inputs[0], ints(`${name}/paddings`, [0, 0, top, bottom, left, right, 0, 0], [4, 2])], { ...float, Tpaddings: { type: DT_INT32 } });
    }
    case 'MaxPooling2D':
    case 'AveragePooling2D': {
      const [ky, kx] = pair(config.poolSize);
      const [sy, sx] = pair(config.strides ?? config.poolSize);
      return add(name, layer.getClassName() === 'MaxPooling2D' ? 'MaxPool' : 'AvgPool', inputs, {
        ...float,
        ksize: { ints: [1, ky, kx, 1] },
        strides: { ints: [1, sy, sx, 1] },
        padding: padding(config.padding),
        data_format: { s: 'NHWC' },
      });
    }
    case 'GlobalAveragePooling2D':
    case 'GlobalMaxPooling2D':
      return add(name, layer.getClassName() === 'GlobalMaxPooling2D' ? 'Max' : 'Mean', [inputs[0], ints(`${name}/axes`, [1, 2], [2])], {
        ...float,
        Tidx: { type: DT_INT32 },
        keep_dims: { b: false },
      });
    case 'Add':
      return add(name, 'AddN', inputs, { ...float, N: { i: inputs.length } });
    case 'Flatten':
      return add(name, 'Reshape', [inputs[0], ints(`${name}/shape`, [-1, flatSize(layer)], [2])], { ...float, Tshape: { type: DT_INT32 } });
    case 'Dropout':
      return inputs[0];
    default:
      throw new Unsupported(`layer type ${layer.getClassName()}`);
  }
}

/** Keras activation -> TensorFlow op; '' when it is the identity. */
const ACTIVATIONS: Record<string, string> = { linear: '', relu: 'Relu', relu6: 'Relu6', sigmoid: 'Sigmoid', tanh: 'Tanh', elu: 'Elu', selu: 'Selu', softmax: 'Softmax' };

function flatSize(layer: Layer): number {
  const shape = (layer.outputShape as number[]).slice(1);
  if (shape.some((dim) => dim == null)) throw new Unsupported(`${layer.name}: flatten of a dynamic shape`);
  return (shape as number[]).reduce((product, dim) => product * dim, 1);
}

// ---- protobuf -------------------------------------------------------------------------------------------------

type AttrSpec =
  | { type: number }
  | { s: string }
  | { i: number }
  | { f: number }
  | { b: boolean }
  | { ints: number[] }
  | { shape: number[] }
  | { intTensor: { values: number[]; shape: number[] } };

function tensorShape(dims: number[]) {
  const shape = new pb.TensorShape();
  shape.setDimList(
    dims.map((size) => {
      const dim = new pb.TensorShape.Dim();
      dim.setSize(size);
      return dim;
    })
  );
  return shape;
}

function tensorProto(dtype: number, shape: number[], bytes: Uint8Array) {
  const tensor = new pb.Tensor();
  tensor.setDtype(dtype);
  tensor.setTensorShape(tensorShape(shape));
  tensor.setTensorContent(bytes);
  return tensor;
}

function attrValue(spec: AttrSpec) {
  const value = new pb.AttrValue();
  if ('type' in spec) value.setType(spec.type);
  else if ('s' in spec) value.setS(Buffer.from(spec.s));
  else if ('i' in spec) value.setI(spec.i);
  else if ('f' in spec) value.setF(spec.f);
  else if ('b' in spec) value.setB(spec.b);
  else if ('shape' in spec) value.setShape(tensorShape(spec.shape));
  else if ('ints' in spec) {
    const list = new pb.AttrValue.ListValue();
    list.setIList(spec.ints);
    value.setList(list);
  } else {
    const data = Int32Array.from(spec.intTensor.values);
    value.setTensor(tensorProto(DT_INT32, spec.intTensor.shape, new Uint8Array(data.buffer)));
  }
  return value;
}

function node(name: string, op: string, inputs: string[], attrs: Record<string, AttrSpec>) {
  const def = new pb.NodeDef();
  def.setName(name);
  def.setOp(op);
  def.setInputList(inputs);
  for (const [key, spec] of Object.entries(attrs)) def.getAttrMap().set(key, attrValue(spec));
  return def;
}

function savedModel({ nodes, output, weights }: Graph): Uint8Array {
  const graph = new pb.GraphDef();
  graph.setNodeList(nodes);
  const versions = new pb.VersionDef();
  versions.setProducer(1);
  graph.setVersions(versions);

  const tensorInfo = (name: string, dims: number[]) => {
    const info = new pb.TensorInfo();
    info.setName(`${name}:0`);
    info.setDtype(DT_FLOAT);
    info.setTensorShape(tensorShape(dims));
    return info;
  };
  const signature = new pb.SignatureDef();
  signature.getInputsMap().set(INPUT, tensorInfo(INPUT, INPUT_SHAPE));
  for (const [name, tensor] of weights) signature.getInputsMap().set(name, tensorInfo(name, tensor.shape));
  signature.getOutputsMap().set('features', tensorInfo(output, []));
  signature.setMethodName('tensorflow/serving/predict');

  const metaInfo = new pb.MetaGraphDef.MetaInfoDef();
  metaInfo.addTags('serve');
  const metaGraph = new pb.MetaGraphDef();
  metaGraph.setMetaInfoDef(metaInfo);
  metaGraph.setGraphDef(graph);
  metaGraph.getSignatureDefMap().set('serving_default', signature);

  const model = new pb.SavedModel();
  model.setSavedModelSchemaVersion(1);
  model.addMetaGraphs(metaGraph);
  return model.serializeBinary();
}
