// The New-run form's draft ⇄ config mapping: "duplicate run" and presets go through it, so every
// setting a config holds must survive the round trip (a dropped field silently becomes its default).
import { describe, expect, it } from 'vitest';
import { configToDraft, draftToInput } from '../../src/renderer/lib/form-draft';
import { parseRunConfig } from '../../src/shared/config';
import { PRESET_NAMES, presetConfig } from '../../src/shared/presets';

const roundTrip = (c: ReturnType<typeof parseRunConfig>) => parseRunConfig(draftToInput(configToDraft(c)));

describe('form draft round trip', () => {
  it('keeps every preset as it is', () => {
    for (const name of PRESET_NAMES) {
      const c = presetConfig(name);
      expect(roundTrip(c), name).toEqual(c);
    }
  });

  it('keeps a non-default initialisation and weight-decay mask for every built model kind', () => {
    const models = [
      { kind: 'mlp', hidden: [16], init: 'he-normal' },
      { kind: 'cnn', filters: [4], dense: 8, init: 'glorot-uniform' },
      { kind: 'resnet20', width: 4, init: 'he-normal' },
      { kind: 'resnet18', width: 4, init: 'glorot-uniform' },
      { kind: 'wrn', depth: 10, widen: 1, init: 'he-normal' },
    ];
    for (const model of models) {
      const c = parseRunConfig({
        epochs: 1,
        batchSize: 8,
        data: { name: 'fashion-mnist' },
        model,
        optimizer: { kind: 'sgd', lr: 0.1, weightDecay: 5e-4, weightDecayParams: 'weights-only' },
      });
      expect(roundTrip(c), model.kind).toEqual(c);
    }
  });

  it('keeps what the form has no input for: a fine-tune’s start and classes, m-sharpness, wasm threads, a CSV’s test split, the Lanczos tolerance', () => {
    const fineTune = parseRunConfig({
      epochs: 1,
      batchSize: 8,
      threads: 1,
      data: { name: 'fashion-mnist', classes: [5, 6, 7, 8, 9], limit: 512 },
      model: { kind: 'mlp', hidden: [16] },
      optimizer: { kind: 'sgd', lr: 0.1 },
      sam: { rho: 0.05 },
      hessian: { tolerance: 1e-4, perLayer: true },
      startFrom: { checkpoint: '/runs/7/final.ckpt', sourceRunId: 7, head: 'new' },
      mSharpness: { m: [4, 16], samples: 256 },
    });
    expect(roundTrip(fineTune)).toEqual(fineTune);
    const csv = parseRunConfig({ epochs: 1, batchSize: 8, data: { name: 'csv', path: '/data/x.csv', header: true, testSplit: 0.3 }, model: { kind: 'mlp', hidden: [16] }, optimizer: { kind: 'sgd', lr: 0.1 } });
    expect(roundTrip(csv)).toEqual(csv);
  });
});
