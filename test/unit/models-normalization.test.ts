// Which parameters are normalisation parameters (EngineModel.normalization): SAM-ON (Mueller et
// al. 2023) perturbs only these, so every model that has normalisation layers must say so.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildModel } from '../../src/engine/models';
import { createStepper } from '../../src/engine/optim';
import { modelSchema } from '../../src/shared/config';
import { disposeStep, samCfg, opt } from './optim-fixtures';
import { saveLayersModel } from './helpers/layers-model';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const names = (vars: tf.Variable[], marks: readonly boolean[] | undefined) => vars.filter((_, i) => marks?.[i]).map((v) => v.name.replace(/^model\d+\//, ''));

describe('normalisation parameters', () => {
  it("ResNet-20 marks every batch norm's γ and β, and nothing else", async () => {
    const m = await buildModel(modelSchema.parse({ kind: 'resnet20', width: 2 }), [8, 8, 1], 3, 0);
    const marked = names(m.params, m.normalization);
    // stem BN + 9 blocks × 2 BNs + 2 projection-shortcut BNs = 21 batch norms, γ and β each
    expect(marked).toHaveLength(42);
    expect(marked.every((n) => /bn\d*\/(gamma|beta)$/.test(n))).toBe(true);
    expect(m.params.filter((p) => /bn\d*\/(gamma|beta)$/.test(p.name)).length).toBe(42);
    m.dispose();
  });

  it('MLP and CNN have none', async () => {
    for (const kind of ['mlp', 'cnn'] as const) {
      const m = await buildModel(modelSchema.parse({ kind }), [28, 28, 1], 10, 0);
      expect(m.normalization?.some(Boolean) ?? false).toBe(false);
      m.dispose();
    }
  });

  it('a Layers model marks its BatchNormalization weights, and SAM-ON steps it', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'sam-norm-'));
    const ref = tfl.sequential({
      layers: [tfl.layers.dense({ inputShape: [6], units: 5 }), tfl.layers.batchNormalization(), tfl.layers.dense({ units: 3 })],
    });
    const file = await saveLayersModel(ref, dir);
    ref.dispose();
    const m = await buildModel(modelSchema.parse({ kind: 'layers', path: file }), [6], 3, 0);
    expect(m.normalization).toEqual([false, false, true, true, false, false]); // kernel, bias, γ, β, kernel, bias
    const s = createStepper(m, { optimizer: opt({ kind: 'sgd', lr: 0.1 }), sam: samCfg({ rho: 0.1, variant: { kind: 'sam-on' } }) });
    const x = tf.randomNormal([4, 6], 0, 1, 'float32', 3);
    const y = tf.tensor1d([0, 1, 2, 0], 'int32');
    disposeStep(s.step(x, y, 0.1));
    const eps = s.lastEpsilon()!.map((e) => Array.from(e.dataSync()));
    expect(eps.map((e) => e.some((v) => v !== 0))).toEqual([false, false, true, true, false, false]);
    s.dispose();
    tf.dispose([x, y]);
    m.dispose();
  });
});
