// The smooth twin of an imported Layers model (models/layers-twin.ts): the saved topology with
// every ReLU a softplus and every max-pool an average pool, the model's weights, so 'auto' checks
// exact Hessian-vector products on it — as it does for the built-in ReLU models — instead of
// comparing them with finite differences that cross the model's kinks and falling back.
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/engine/backend';
import { loadDataset } from '../../src/engine/data/index';
import { createHvp, fdStepFor, flatten, smoothTwinOf } from '../../src/engine/hessian/index';
import { makeLossClosure } from '../../src/engine/loss';
import { buildModel } from '../../src/engine/models/index';
import { smoothTopology } from '../../src/engine/models/layers-twin';
import { hessianBatch } from '../../src/engine/train-analysis';
import { dataSchema, modelSchema } from '../../src/shared/config';
import { saveLayersModel } from './helpers/layers-model';

beforeAll(async () => {
  await initBackend('wasm');
});

const topologyOf = (layers: tfl.layers.Layer[]) => {
  const net = tfl.sequential({ layers });
  const json = net.toJSON(null, false) as Record<string, unknown>;
  net.dispose();
  return json;
};
/** The class names of a Sequential topology's layers. */
const classNames = (json: unknown): string[] => ((json as { config: { layers: { class_name: string }[] } }).config.layers ?? []).map((l) => l.class_name);

describe('the twin topology', () => {
  it('makes every ReLU (activation or layer) a softplus and every max-pool an average pool, and keeps the rest', () => {
    const json = topologyOf([
      tfl.layers.conv2d({ inputShape: [8, 8, 1], filters: 2, kernelSize: 3, activation: 'relu' }),
      tfl.layers.maxPooling2d({ poolSize: 2 }),
      tfl.layers.conv2d({ filters: 2, kernelSize: 2, activation: 'tanh' }),
      tfl.layers.reLU(),
      tfl.layers.globalMaxPooling2d({}),
      tfl.layers.dense({ units: 3, activation: 'softmax' }),
    ]);
    const r = smoothTopology(json);
    expect(r).toMatchObject({ relu: true, maxPool: true });
    expect(r.blocked).toBeUndefined();
    expect(classNames(r.topology)).toEqual(['Conv2D', 'AveragePooling2D', 'Conv2D', 'Activation', 'GlobalAveragePooling2D', 'Dense']);
    expect(JSON.stringify(r.topology).match(/"activation":"\w+"/g)).toEqual(['"activation":"softplus"', '"activation":"tanh"', '"activation":"softplus"', '"activation":"softmax"']);
    // The input is left alone.
    expect(classNames(json)).toContain('MaxPooling2D');
  });

  it('is none for a smooth model, and none (saying why) for a kink it has no stand-in for', () => {
    expect(smoothTopology(topologyOf([tfl.layers.dense({ inputShape: [4], units: 3, activation: 'tanh' })]))).toEqual({ topology: null, relu: false, maxPool: false });
    const capped = smoothTopology(topologyOf([tfl.layers.dense({ inputShape: [4], units: 3, activation: 'relu' }), tfl.layers.reLU({ maxValue: 6 })]));
    expect(capped.topology).toBeNull();
    expect(capped.blocked).toMatch(/ReLU capped at 6\) has a second kink/);
    const leaky = smoothTopology(topologyOf([tfl.layers.dense({ inputShape: [4], units: 3 }), tfl.layers.leakyReLU({})]));
    expect(leaky.blocked).toMatch(/\(LeakyReLU\) has a kink with no smooth stand-in/);
  });
});

describe('an imported ReLU CNN', () => {
  it.each(['train', 'frozen'] as const)("with batch norm %s: 'auto' keeps exact, checked on its smooth twin (same weights), on Fashion-MNIST", async (batchNorm) => {
    const dir = mkdtempSync(path.join(tmpdir(), 'sam-layers-twin-'));
    const net = tfl.sequential({
      layers: [
        tfl.layers.conv2d({ inputShape: [28, 28, 1], filters: 4, kernelSize: 3, activation: 'relu', seed: 1 } as never),
        tfl.layers.batchNormalization({ movingMeanInitializer: 'randomNormal', movingVarianceInitializer: 'ones' } as never),
        tfl.layers.maxPooling2d({ poolSize: 2 }),
        tfl.layers.flatten(),
        tfl.layers.dense({ units: 16, activation: 'relu', seed: 2 } as never),
        tfl.layers.dense({ units: 10, activation: 'softmax', seed: 3 } as never),
      ],
    });
    const file = await saveLayersModel(net, dir);
    net.dispose();
    const data = await loadDataset(dataSchema.parse({ name: 'fashion-mnist', limit: 256, testLimit: 10 }), { seed: 0 });
    const cfg = modelSchema.parse({ kind: 'layers', path: file, batchNorm });
    const model = await buildModel(cfg, data.inputShape, data.numClasses, 0);
    const { x, y } = hessianBatch(data.train, model.inputShape, 128, 0);
    const twin = await smoothTwinOf(model, cfg, (m) => makeLossClosure(m, x, y));
    expect(twin?.text).toBe('every ReLU a softplus, every max-pool an average pool, same weights');
    // Same weights, in the same order (params and batch-norm statistics).
    expect(Array.from(await flatten(twin!.closure.params))).toEqual(Array.from(await flatten(model.params)));
    const op = await createHvp(makeLossClosure(model, x, y), { seed: 3, fdStep: fdStepFor(cfg), checkOn: twin! });
    expect([op.method, op.check?.on], op.check?.reason ?? '').toEqual(['exact', 'smooth-twin']);
    expect(op.check?.summary).toMatch(/^exact double backprop checked on the smooth twin \(every ReLU a softplus, every max-pool an average pool, same weights\)/);
    op.dispose();
    twin!.dispose();
    tf.dispose([x, y]);
    model.dispose();
  });
});
