// A tfjs Layers model (model.json + weight shards beside it) loaded from disk for fine-tuning:
// its trainable weights become `params`, its non-trainable ones (batch-norm statistics) `state`.
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { EngineModel } from '../types';

interface ModelJson {
  modelTopology?: unknown;
  weightsManifest?: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
  format?: string;
  generatedBy?: string;
  convertedBy?: string;
}

/** tf.io handler reading model.json and its shards with node:fs (tfjs' file:// needs tfjs-node). */
export function fileHandler(modelJsonPath: string): tf.io.IOHandler {
  return {
    async load() {
      let json: ModelJson;
      try {
        json = JSON.parse(await readFile(modelJsonPath, 'utf8')) as ModelJson;
      } catch (e) {
        throw new Error(`model.path ${modelJsonPath}: cannot read a tfjs model.json (${(e as Error).message})`);
      }
      if (!json.modelTopology) throw new Error(`model.path ${modelJsonPath}: no modelTopology; expected a tfjs Layers model.json`);
      const dir = path.dirname(modelJsonPath);
      const specs: tf.io.WeightsManifestEntry[] = [];
      const buffers: Uint8Array[] = [];
      for (const group of json.weightsManifest ?? []) {
        specs.push(...group.weights);
        for (const p of group.paths) {
          const file = path.join(dir, p);
          try {
            buffers.push(new Uint8Array(await readFile(file)));
          } catch {
            throw new Error(`model.path ${modelJsonPath}: weight file ${file} is missing`);
          }
        }
      }
      const total = buffers.reduce((n, b) => n + b.byteLength, 0);
      const data = new Uint8Array(total);
      let off = 0;
      for (const b of buffers) {
        data.set(b, off);
        off += b.byteLength;
      }
      return {
        modelTopology: json.modelTopology as tf.io.ModelArtifacts['modelTopology'],
        weightSpecs: specs,
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
