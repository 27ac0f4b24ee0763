// A tfjs Layers model (model.json + weight shards beside it) loaded from disk for fine-tuning:
// its trainable weights become `params`, its non-trainable ones (batch-norm statistics) `state`.
// Its batch norm is trained or frozen (model.batchNorm) and its dropout masks are keyed by the
// step like the built-in models' (model.dropout); a new head replaces its classifier for other
// classes (startFrom.head "new").
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { readFile } from 'node:fs/promises';
import { readLayersModelFile } from './layers-model-file';
import type { EngineModel } from '../types';
import { Rng } from '../rng';
import { glorotUniform } from './init';
import { smoothTopology } from './layers-twin';

/** tf.io handler reading model.json and its shards with node:fs (tfjs' file:// needs tfjs-node). */
export function fileHandler(modelJsonPath: string): tf.io.IOHandler {
  return {
    async load() {
      // Checked before tfjs sees anything: format, manifest, shards inside the folder and sized right.
      const { json, shards } = readLayersModelFile(modelJsonPath);
      const buffers = await Promise.all(shards.map(async (f) => new Uint8Array(await readFile(f))));
      const total = buffers.reduce((n, b) => n + b.byteLength, 0);
      const data = new Uint8Array(total);
      let off = 0;
      for (const b of buffers) {
        data.set(b, off);
        off += b.byteLength;
      }
      return {
        modelTopology: json.modelTopology as tf.io.ModelArtifacts['modelTopology'],
        weightSpecs: json.weightsManifest.flatMap((g) => g.weights) as tf.io.WeightsManifestEntry[],
        weightData: data.buffer,
        format: json.format,
        generatedBy: json.generatedBy,
        convertedBy: json.convertedBy,
      };
    },
  };
}

export interface LayersModelOptions {
  /** 'train': γ, β trained, running statistics moved in SAM's first pass only; 'frozen': inference mode throughout. */
  batchNorm: 'train' | 'frozen';
  /** 'keep': the model's dropout rates, masks keyed by the step (reseed); 'off': no dropout. */
  dropout: 'keep' | 'off';
  /** Replace the classifier head (the last layer with weights) by a fresh Dense layer sized for the data's classes. */
  newHead: boolean;
  /** Seeds the new head and the dropout stream. */
  seed: number;
}

const NORM_LAYERS = new Set(['BatchNormalization', 'LayerNormalization']);
const DROPOUT_LAYERS = new Set(['Dropout', 'SpatialDropout1D']);
/** Layers whose randomness SAM Studio cannot key by the step: named in the error. */
const OTHER_RANDOM_LAYERS = new Set(['GaussianNoise', 'GaussianDropout', 'AlphaDropout']);

/** tfjs-layers' Dropout keeps its rate and seed as plain fields; K.dropout reads both per call. */
type DropoutLayer = tfl.layers.Layer & { rate: number; seed?: number };
type CallFn = (inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>) => tf.Tensor | tf.Tensor[];

/**
 * The last layer with weights becomes a fresh Dense head of `numClasses` logits, fed by what fed
 * it; any weightless layers after it (a final softmax) are dropped: the engine wants logits.
 * Glorot-uniform kernel from the run seed (init.ts), zero bias, as the built-in models' heads.
 */
function withNewHead(model: tfl.LayersModel, numClasses: number, seed: number, file: string): tfl.LayersModel {
  const head = [...model.layers].reverse().find((l) => l.weights.length > 0);
  if (!head || head.getClassName() !== 'Dense') {
    throw new Error(`model.path ${file}: a new head replaces the last Dense layer, but the last layer with weights is ${head?.getClassName() ?? 'missing'}; keep the head (startFrom.head "keep")`);
  }
  const inDim = head.getInputAt(0) as tfl.SymbolicTensor;
  const dense = tfl.layers.dense({ units: numClasses, name: `${head.name}_new_head` });
  const out = dense.apply(inDim) as tfl.SymbolicTensor;
  const next = tfl.model({ inputs: model.inputs, outputs: out });
  const fanIn = inDim.shape[inDim.shape.length - 1] as number;
  tf.tidy(() => dense.setWeights([tf.tensor(glorotUniform([fanIn, numClasses], fanIn, numClasses, new Rng(seed).fork(HEAD_SALT)), [fanIn, numClasses]), tf.zeros([numClasses])]));
  return next;
}

/** Salt of the new head's init stream (apart from the dropout stream). */
const HEAD_SALT = 0x4ead;

export async function loadLayersModel(modelJsonPath: string, inputShape: number[], numClasses: number, o: LayersModelOptions): Promise<EngineModel> {
  const loaded = await tfl.loadLayersModel(fileHandler(modelJsonPath));
  const model = o.newHead ? withNewHead(loaded, numClasses, o.seed, modelJsonPath) : loaded;
  const outShape = model.outputs[0].shape;
  if (outShape[outShape.length - 1] !== numClasses) {
    throw new Error(`model.path ${modelJsonPath}: the model outputs ${outShape[outShape.length - 1]} classes but the data has ${numClasses}; give it a new head (startFrom.head "new")`);
  }
  return wrapLayersModel(model, loaded, inputShape, numClasses, o, modelJsonPath);
}

/**
 * The engine's view of a Layers model: frozen batch norm and dropout set up as `o` says, weights
 * split into params and state, and a smooth twin made on demand from its topology (layers-twin.ts).
 */
function wrapLayersModel(model: tfl.LayersModel, loaded: tfl.LayersModel, inputShape: number[], numClasses: number, o: LayersModelOptions, modelJsonPath: string): EngineModel {
  const inShape = model.inputs[0].shape.slice(1);
  const random = model.layers.filter((l) => OTHER_RANDOM_LAYERS.has(l.getClassName()));
  if (random.length) {
    throw new Error(`model.path ${modelJsonPath}: ${random.map((l) => `${l.name} (${l.getClassName()})`).join(', ')} draw noise SAM Studio cannot key by the step (SAM's two passes would see different noise); remove them or replace them by Dropout`);
  }
  // Frozen batch norm (Keras' fine-tuning advice): γ and β leave the trained weights, and the
  // layer runs in inference mode (running statistics) even while the rest trains.
  const batchNorms = model.layers.filter((l) => l.getClassName() === 'BatchNormalization');
  if (o.batchNorm === 'frozen') {
    for (const bn of batchNorms) {
      bn.trainable = false;
      const call = bn.call.bind(bn) as CallFn;
      (bn as unknown as { call: CallFn }).call = (inputs, kwargs) => call(inputs, { ...kwargs, training: false });
    }
  }
  const dropouts = model.layers.filter((l) => DROPOUT_LAYERS.has(l.getClassName())) as DropoutLayer[];
  if (o.dropout === 'off') for (const d of dropouts) d.rate = 0;
  const params = model.trainableWeights.map((w) => w.read() as tf.Variable);
  // SAM-ON perturbs only normalisation layers' scales and offsets: mark the weights of those layers.
  const normIds = new Set(model.layers.filter((l) => NORM_LAYERS.has(l.getClassName())).flatMap((l) => l.trainableWeights.map((w) => w.id)));
  const lastWithWeights = [...model.layers].reverse().find((l) => l.trainableWeights.length > 0);
  const headIds = new Set((lastWithWeights?.trainableWeights ?? []).map((w) => w.id));
  const state = model.nonTrainableWeights.map((w) => w.read() as tf.Variable);
  const want = inShape.map((d) => d ?? -1);
  // Many saved classifiers end in softmax; log-probabilities are valid logits (softmax(log p) = p).
  const last = model.layers[model.layers.length - 1].getConfig() as { activation?: string };
  const endsInSoftmax = last.activation === 'softmax';
  let dropRng = new Rng(o.seed).fork(1);
  return {
    kind: 'layers',
    params,
    normalization: model.trainableWeights.map((w) => normIds.has(w.id)),
    head: model.trainableWeights.map((w) => headIds.has(w.id)),
    state,
    paramCount: params.reduce((n, p) => n + p.size, 0),
    inputShape,
    numClasses,
    apply(x, opts) {
      // Each dropout layer draws its mask from a seed of the pass's stream (in layer order), so
      // SAM's two passes replay the same masks. Seeds start at 1: tfjs reads 0 as "no seed".
      if (opts.training) for (const d of dropouts) d.seed = 1 + dropRng.int(2 ** 31 - 1);
      return tf.tidy(() => {
        // tfjs' BatchNormalization moves its running averages on every training call; SAM's second
        // pass (updateState false) must not, so its statistics are put back afterwards.
        const keep = opts.training && opts.updateState === false && state.length ? state.map((v) => tf.clone(v)) : null;
        const xin = tf.reshape(x, [-1, ...want.map((d, i) => (d === -1 ? inputShape[i] ?? -1 : d))]);
        const y = tf.reshape(model.apply(xin, { training: opts.training }) as tf.Tensor, [-1, numClasses]);
        keep?.forEach((t, i) => state[i].assign(t));
        return (endsInSoftmax ? tf.log(tf.add(y, 1e-7)) : y) as tf.Tensor2D;
      });
    },
    reseed(seed: number) {
      dropRng = new Rng(seed);
    },
    async smoothTwin() {
      const rewritten = smoothTopology(model.toJSON(null, false) as Record<string, unknown>);
      if (!rewritten.topology) return null;
      const twin = await tfl.models.modelFromJSON({ modelTopology: rewritten.topology } as tfl.ModelAndWeightsConfig);
      try {
        // Wrapped first, so frozen batch norm is frozen in both: tfjs lists trainable weights
        // before the others, and the same topology then lists the same weights in the same order.
        const wrapped = wrapLayersModel(twin, twin, inputShape, numClasses, { ...o, newHead: false }, modelJsonPath);
        tf.tidy(() => twin.setWeights(model.getWeights()));
        return { model: wrapped, changed: { relu: rewritten.relu, maxPool: rewritten.maxPool } };
      } catch (e) {
        twin.dispose();
        throw e;
      }
    },
    dispose: () => {
      model.dispose();
      // The new-head model shares every layer but the old head (and what followed it) with the
      // loaded one: those are the loaded model's alone to free.
      if (model !== loaded) for (const l of loaded.layers) if (!model.layers.includes(l)) l.dispose();
    },
  };
}
