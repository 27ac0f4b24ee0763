import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, divisorsOf, parseRunConfig, validateRunConfig, type RunConfigInput } from '../../src/shared/config';
import { PRESET_NAMES, presetConfig } from '../../src/shared/presets';
import { expandSweep } from '../../src/shared/sweep';
import { checkConfigPaths } from '../../src/engine/check-paths';

const base: RunConfigInput = {
  epochs: 2,
  batchSize: 128,
  data: { name: 'fashion-mnist' },
  model: { kind: 'mlp' },
  optimizer: { kind: 'sgd', lr: 0.05 },
};

function errorsOf(input: unknown) {
  const r = validateRunConfig(input);
  expect(r.ok).toBe(false);
  return r.ok ? [] : r.errors;
}

describe('run config schema', () => {
  it('fills defaults for a minimal config', () => {
    const c = parseRunConfig(base);
    expect(c.seed).toBe(0);
    expect(c.backend).toBe('auto');
    expect(c.threads).toBeNull();
    expect(c.sam).toBeNull();
    expect(c.hessian).toBeNull();
    expect(c.model).toEqual({ kind: 'mlp', hidden: [512, 512], activation: 'relu', dropout: 0, init: 'pytorch' });
    expect(c.optimizer.weightDecayMode).toBe('loss');
    expect(c.optimizer.weightDecayParams).toBe('all');
    expect(c.data).toMatchObject({ limit: null, labelNoise: 0, validationSplit: 0 });
    expect(c.schedule.kind).toBe('constant');
  });

  it('threads: a whole number from 1 to 256, or null for every core; anything else names the field', () => {
    expect(parseRunConfig({ ...base, threads: 4 }).threads).toBe(4);
    expect(parseRunConfig({ ...base, threads: null }).threads).toBeNull();
    expect(errorsOf({ ...base, threads: 0 })).toEqual([{ field: 'threads', message: 'threads must be at least 1' }]);
    expect(errorsOf({ ...base, threads: 2.5 })).toEqual([{ field: 'threads', message: 'threads must be a whole number' }]);
    expect(errorsOf({ ...base, threads: 'all' })).toEqual([{ field: 'threads', message: 'threads must be a number' }]);
    expect(errorsOf({ ...base, threads: 1000 })[0].message).toMatch(/threads must be ≤ 256/);
  });

  it('conv nets take model.activation: ReLU by default (stored runs keep their meaning), a smooth one on request, a bad one named', () => {
    for (const kind of ['cnn', 'resnet20', 'resnet18', 'wrn'] as const) {
      expect(parseRunConfig({ ...base, model: { kind } }).model).toMatchObject({ kind, activation: 'relu' });
      expect(parseRunConfig({ ...base, model: { kind, activation: 'softplus' } }).model).toMatchObject({ kind, activation: 'softplus' });
    }
    const errs = errorsOf({ ...base, model: { kind: 'resnet20', activation: 'swish' } });
    expect(errs).toEqual([{ field: 'model.activation', message: 'model.activation must be one of relu, tanh, gelu, sigmoid, elu, softplus' }]);
  });

  it('names model.init and optimizer.weightDecayParams when their value is unknown', () => {
    expect(errorsOf({ ...base, model: { kind: 'cnn', init: 'kaiming' } })).toEqual([
      { field: 'model.init', message: 'unknown model.init; choose one of: pytorch, he-normal, glorot-uniform' },
    ]);
    expect(errorsOf({ ...base, optimizer: { kind: 'sgd', lr: 0.1, weightDecayParams: 'biases' } })).toEqual([
      { field: 'optimizer.weightDecayParams', message: 'unknown optimizer.weightDecayParams; choose all or weights-only' },
    ]);
    // A tfjs Layers model brings its own weights: no init to choose.
    expect(errorsOf({ ...base, model: { kind: 'layers', path: '/m/model.json', init: 'pytorch' } })[0].field).toBe('model.init');
  });

  it('rejects a negative rho, naming sam.rho', () => {
    const errs = errorsOf({ ...base, sam: { rho: -0.1 } });
    expect(errs).toEqual([{ field: 'sam.rho', message: expect.stringContaining('sam.rho must be ≥ 0') }]);
  });

  it('rejects an m that does not divide the batch and lists the divisors', () => {
    const errs = errorsOf({ ...base, batchSize: 96, sam: { rho: 0.05, m: 40 } });
    expect(errs).toHaveLength(1);
    expect(errs[0].field).toBe('sam.m');
    expect(errs[0].message).toContain('sam.m = 40 does not divide batchSize = 96');
    expect(errs[0].message).toContain('1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 96');
  });

  it('accepts m that divides the batch, and m = null (whole batch)', () => {
    expect(parseRunConfig({ ...base, sam: { rho: 0.05, m: 32 } }).sam?.m).toBe(32);
    expect(parseRunConfig({ ...base, sam: { rho: 0.05 } }).sam).toMatchObject({ m: null, p: 2, adaptive: false });
  });

  it('rejects an unknown data set, naming data.name and the choices', () => {
    const errs = errorsOf({ ...base, data: { name: 'imagenet' } });
    expect(errs[0].field).toBe('data.name');
    expect(errs[0].message).toMatch(/unknown data set.*fashion-mnist/);
  });

  it('requires data.path for csv and images', () => {
    const errs = errorsOf({ ...base, data: { name: 'csv' } });
    expect(errs).toEqual([{ field: 'data.path', message: expect.stringContaining('data.path is required for data set "csv"') }]);
  });

  it('reports every bad field at once', () => {
    const errs = errorsOf({ ...base, epochs: 0, batchSize: 1.5, optimizer: { kind: 'sgd', lr: -1 }, data: { name: 'mnist', labelNoise: 2 } });
    expect(errs.map((e) => e.field).sort()).toEqual(['batchSize', 'data.labelNoise', 'epochs', 'optimizer.lr']);
    for (const e of errs) expect(e.message).toContain(e.field);
  });

  it('rejects p other than 2 or inf and unknown kinds', () => {
    expect(errorsOf({ ...base, sam: { rho: 0.05, p: 3 } })[0]).toMatchObject({ field: 'sam.p' });
    expect(errorsOf({ ...base, model: { kind: 'transformer' } })[0]).toMatchObject({ field: 'model.kind' });
    expect(errorsOf({ ...base, optimizer: { kind: 'lion', lr: 0.1 } })[0]).toMatchObject({ field: 'optimizer.kind' });
    expect(errorsOf({ ...base, model: { kind: 'wrn', depth: 15 } })[0].message).toContain('6n+4');
  });

  it('throws ConfigError listing the problems', () => {
    expect(() => parseRunConfig({ ...base, sam: { rho: -1 } })).toThrow(ConfigError);
    expect(() => parseRunConfig({ ...base, sam: { rho: -1 } })).toThrow(/sam\.rho/);
  });

  it('every preset is a valid config', () => {
    for (const name of PRESET_NAMES) expect(() => presetConfig(name)).not.toThrow();
    expect(presetConfig('fashion-mnist-sam').sam?.rho).toBe(0.05);
    expect(() => presetConfig('nope')).toThrow(/unknown example "nope"/);
  });

  it('refuses a misspelt or unknown key at any depth, naming it and the setting meant', () => {
    const errors = errorsOf({ ...base, optimizer: { kind: 'sgd', lr: 0.05, weightdecay: 0.5 }, sam: { rho: 0.05, rh0: 1 }, epoch: 3, model: { kind: 'cnn', filter: [8] } });
    expect(errors).toEqual(
      expect.arrayContaining([
        { field: 'optimizer.weightdecay', message: 'optimizer.weightdecay is not a setting; did you mean optimizer.weightDecay?' },
        { field: 'sam.rh0', message: 'sam.rh0 is not a setting; did you mean sam.rho?' },
        { field: 'epoch', message: 'epoch is not a setting; did you mean epochs?' },
        { field: 'model.filter', message: 'model.filter is not a setting; did you mean model.filters?' },
      ]),
    );
    expect(errors).toHaveLength(4);
    // Nothing close: the message lists what the block accepts.
    const [far] = errorsOf({ ...base, data: { name: 'fashion-mnist', colour: true } });
    expect(far.field).toBe('data.colour');
    expect(far.message).toMatch(/^data\.colour is not a setting; known settings of data: name, path, limit, /);
  });

  it('divisorsOf lists divisors in order', () => {
    expect(divisorsOf(12)).toEqual([1, 2, 3, 4, 6, 12]);
  });
});

describe('paths a config points at', () => {
  it('names a missing data file and a missing model.json', () => {
    const c = parseRunConfig({ ...base, data: { name: 'csv', path: '/nonexistent/train.csv' }, model: { kind: 'layers', path: '/nope/model.json' } });
    const errs = checkConfigPaths(c);
    expect(errs.map((e) => e.field)).toEqual(['data.path', 'model.path']);
    expect(errs[0].message).toContain('"/nonexistent/train.csv" does not exist');
  });

  it('accepts files that exist and flags a folder given for a csv', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sam-cfg-'));
    const csv = join(dir, 'a.csv');
    writeFileSync(csv, 'x,y\n1,0\n');
    expect(checkConfigPaths(parseRunConfig({ ...base, data: { name: 'csv', path: csv } }))).toEqual([]);
    expect(checkConfigPaths(parseRunConfig({ ...base, data: { name: 'csv', path: dir } }))[0].message).toContain('expected a file');
  });
});

describe('sweeps', () => {
  it('2 rho × 2 m plus the SGD baseline gives 5 runs', () => {
    const plans = expandSweep({ name: 'm-sweep', base: parseRunConfig(base), rho: [0.05, 0.1], m: [16, 128] });
    expect(plans).toHaveLength(5);
    expect(plans[0]).toMatchObject({ baseline: true, config: { sam: null } });
    expect(plans.slice(1).map((p) => [p.config.sam?.rho, p.config.sam?.m])).toEqual([
      [0.05, 16],
      [0.05, 128],
      [0.1, 16],
      [0.1, 128],
    ]);
  });

  it('rejects a sweep whose m does not divide the batch', () => {
    expect(() => expandSweep({ name: 's', base: parseRunConfig(base), rho: [0.05], m: [7] })).toThrow(/sam.m = 7 does not divide/);
  });
});

describe('augmentation', () => {
  it('is refused for flat (non-image) data sets, naming data.augment', () => {
    const errs = errorsOf({ ...base, data: { name: 'synthetic-moons', augment: { flip: true } } });
    expect(errs).toEqual([{ field: 'data.augment', message: expect.stringContaining('images only') }]);
    expect(parseRunConfig({ ...base, data: { name: 'cifar10', augment: { cropPadding: 4, flip: true } } }).data.augment).toEqual({ cropPadding: 4, flip: true });
  });
});
