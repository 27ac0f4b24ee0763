// A tfjs Layers model (model.json + weight shards beside it) loaded from disk for fine-tuning:
// its trainable weights become `params`, its non-trainable ones (batch-norm statistics) `state`.
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { readFile } from 'node:fs/promises';
import { readLayersModelFile } from './layers-model-file';
import type { EngineModel } from '../types';

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

export async function loadLayersModel(modelJsonPath: string, inputShape: number[], numClasses: number): Promise<EngineModel> {
  const model = await tfl.loadLayersModel(fileHandler(modelJsonPath));
  const inShape = model.inputs[0].shape.slice(1);
  const outShape = model.outputs[0].shape;
  if (outShape[outShape.length - 1] !== numClasses) {
    throw new Error(`model.path ${modelJsonPath}: the model outputs ${outShape[outShape.length - 1]} classes but the data has ${numClasses}`);
  }
  const params = model.trainableWeights.map((w) => w.read() as tf.Variable);
  // SAM-ON perturbs only normalisation layers' scales and offsets: mark the weights of those layers.
  const normLayers = new Set(['BatchNormalization', 'LayerNormalization']);
  const normIds = new Set(model.layers.filter((l) => normLayers.has(l.getClassName())).flatMap((l) => l.trainableWeights.map((w) => w.id)));
  const normalization = model.trainableWeights.map((w) => normIds.has(w.id));
  const state = model.nonTrainableWeights.map((w) => w.read() as tf.Variable);
  const want = inShape.map((d) => d ?? -1);
  // Many saved classifiers end in softmax; log-probabilities are valid logits (softmax(log p) = p).
  const last = model.layers[model.layers.length - 1].getConfig() as { activation?: string };
  const endsInSoftmax = last.activation === 'softmax';
  return {
    kind: 'layers',
    params,
    normalization,
    state,
    paramCount: params.reduce((n, p) => n + p.size, 0),
    inputShape,
    numClasses,
    apply(x, o) {
      return tf.tidy(() => {
        const xin = tf.reshape(x, [-1, ...want.map((d, i) => (d === -1 ? inputShape[i] ?? -1 : d))]);
        const y = tf.reshape(model.apply(xin, { training: o.training }) as tf.Tensor, [-1, numClasses]);
        return (endsInSoftmax ? tf.log(tf.add(y, 1e-7)) : y) as tf.Tensor2D;
      });
    },
    dispose: () => model.dispose(),
  };
}
