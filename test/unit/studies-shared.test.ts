// The studies' pure parts (issue 13): Kendall τ_b against hand-computed values, the tuning
// protocol's selection rule, the phases each study plans, and the new run-config fields.
import { describe, expect, it } from 'vitest';
import { parseRunConfig, validateRunConfig, type RunConfig, type RunConfigInput } from '../../src/shared/config';
import { summarize } from '../../src/shared/stats';
import { sweepSpecSchema, type SweepSpecInput } from '../../src/shared/sweep';
import {
  analyseMSharpness,
  chooseCandidate,
  emptyState,
  finalComparison,
  kendallTau,
  laterPhases,
  nextStep,
  planFirstPhase,
  type CandidateSummary,
  type StudyRun,
  type SweepState,
} from '../../src/shared/studies/index';

const base: RunConfigInput = {
  epochs: 2,
  batchSize: 32,
  data: { name: 'fashion-mnist', limit: 900, testLimit: 200 },
  model: { kind: 'mlp', hidden: [16] },
  optimizer: { kind: 'sgd', lr: 0.05 },
  sam: { rho: 0.05 },
};

describe('Kendall τ_b', () => {
  it('counts concordant and discordant pairs: x = 1…5, y = 3 4 1 2 5 gives 6 − 4 over 10 pairs', () => {
    // Pairs (i<j): C = (1,2) (1,5) (2,5) (3,4) (3,5) (4,5); D = (1,3) (1,4) (2,3) (2,4).
    const r = kendallTau([1, 2, 3, 4, 5], [3, 4, 1, 2, 5])!;
    expect(r).toMatchObject({ n: 5, concordant: 6, discordant: 4, tiedX: 0, tiedY: 0 });
    expect(r.tau).toBeCloseTo(0.2, 12);
  });

  it('handles ties: x = 1 2 2 3, y = 1 2 3 3 gives 4 / √(5·5) = 0.8', () => {
    // 6 pairs: 4 concordant, one tied in x only (2,3), one tied in y only (3,4); n₀ − n₁ = n₀ − n₂ = 5.
    const r = kendallTau([1, 2, 2, 3], [1, 2, 3, 3])!;
    expect(r).toMatchObject({ concordant: 4, discordant: 0, tiedX: 1, tiedY: 1 });
    expect(r.tau).toBeCloseTo(0.8, 12);
  });

  it('a pair tied in both variables counts in both tie totals: x = 1 1 2, y = 5 5 6 gives τ = 1', () => {
    const r = kendallTau([1, 1, 2], [5, 5, 6])!;
    expect(r).toMatchObject({ concordant: 2, discordant: 0, tiedX: 1, tiedY: 1 });
    expect(r.tau).toBeCloseTo(2 / Math.sqrt(2 * 2), 12);
  });

  it('is −1 for a reversed order, undefined when one variable is constant, and drops non-finite pairs', () => {
    expect(kendallTau([1, 2, 3, 4], [4, 3, 2, 1])!.tau).toBe(-1);
    expect(kendallTau([2, 2, 2], [1, 2, 3])).toBeNull();
    expect(kendallTau([1, 2, NaN, 3], [1, 2, 5, 3])).toMatchObject({ n: 3, tau: 1 });
    expect(() => kendallTau([1, 2], [1])).toThrow(/one y per x/);
  });

  it('gives a null-hypothesis z from the tie-corrected variance: no ties, n = 5, S = 2 → z = 2/√(5·4·15/18)', () => {
    // Var(S) = n(n−1)(2n+5)/18 = 5·4·15/18 = 16.67 without ties.
    const r = kendallTau([1, 2, 3, 4, 5], [3, 4, 1, 2, 5])!;
    expect(r.z).toBeCloseTo(2 / Math.sqrt(300 / 18), 12);
    expect(r.p!).toBeGreaterThan(0.5);
  });
});

const cand = (rho: number, values: number[], missing = 0): CandidateSummary => ({ key: `k${rho}`, label: `ρ = ${rho}`, rho, runIds: values.map((_, i) => rho * 1000 + i), missing, summary: summarize(values) });

describe('the tuning protocol’s selection rule', () => {
  it('picks the highest mean validation accuracy and says whose intervals overlap it', () => {
    const d = chooseCandidate([cand(0.01, [0.8, 0.81, 0.82]), cand(0.05, [0.85, 0.86, 0.87]), cand(0.1, [0.84, 0.855, 0.87])], 'valAccuracy')!;
    expect(d.chosen).toMatchObject({ rho: 0.05, label: 'ρ = 0.05' });
    // ρ = 0.1: mean 0.855, CI wide enough to reach 0.86; ρ = 0.01's CI ends below 0.85 − margin.
    expect(d.close).toEqual(['ρ = 0.1']);
    expect(d.sentences[0]).toMatch(/^ρ = 0.05 chosen: the highest mean validation accuracy, 86.00 % \(3 seeds, 95 % CI .*\), on the held-out validation split/);
    expect(d.sentences.join(' ')).toMatch(/overlaps those of ρ = 0.1: .* within seed-to-seed noise/);
  });

  it('breaks a tie of means toward the smaller ρ, and minimises a validation loss', () => {
    expect(chooseCandidate([cand(0.2, [0.5, 0.7]), cand(0.02, [0.6, 0.6])], 'valAccuracy')!.chosen.rho).toBe(0.02);
    expect(chooseCandidate([cand(0.02, [0.4, 0.42]), cand(0.1, [0.3, 0.35])], 'valLoss')!.chosen.rho).toBe(0.1);
  });

  it('leaves out a ρ whose runs all failed and names it; nothing to choose gives null', () => {
    const d = chooseCandidate([cand(0.05, [0.7]), { ...cand(0.5, []), runIds: [1, 2], missing: 2 }], 'valAccuracy')!;
    expect(d.chosen.rho).toBe(0.05);
    expect(d.sentences.join(' ')).toMatch(/ρ = 0.5: 2 of 2 runs ended without a result .* so it could not be chosen/);
    expect(d.sentences.join(' ')).toMatch(/no 95 % interval: the choice rests on the means alone/);
    expect(chooseCandidate([{ ...cand(0.5, []), missing: 1 }], 'valAccuracy')).toBeNull();
  });
});

/** A finished run of a plan's config with the given final metrics. */
function done(id: number, config: RunConfig, metrics: Record<string, number>, status: StudyRun['status'] = 'done'): StudyRun {
  return { id, status, config, finalMetrics: { testAccuracy: 0, testLoss: 0, trainLoss: 0, trainAccuracy: 0, ...metrics } };
}

describe('the tuning study’s phases', () => {
  const spec: SweepSpecInput = { name: 'tune', base, rho: [0.02, 0.1], m: [null], seeds: [0, 1], study: { kind: 'tuning' } };

  it('grids SAM over ρ × seeds on a 10 % validation split, without the baseline', () => {
    const first = planFirstPhase(spec);
    expect(first.phase).toBe('grid');
    expect(first.plans.map((p) => [p.config.sam?.rho, p.config.seed, p.config.data.validationSplit, p.phase])).toEqual([
      [0.02, 0, 0.1, 'grid'],
      [0.1, 0, 0.1, 'grid'],
      [0.02, 1, 0.1, 'grid'],
      [0.1, 1, 0.1, 'grid'],
    ]);
    expect(first.plans[0].name).toBe('tune · ρ grid · SAM ρ=0.02 seed=0');
    expect(laterPhases(sweepSpecSchema.parse(spec))[0]).toMatch(/retrained on seeds 2, 3 on the training and validation examples together, with the SGD baseline at 2× the epochs \(4\): 4 more runs/);
  });

  it('retrains the chosen ρ on train ∪ validation with fresh seeds, and the baseline at twice the epochs', () => {
    const parsed = sweepSpecSchema.parse(spec);
    const first = planFirstPhase(parsed);
    const runs = first.plans.map((p, i) => done(i + 1, p.config, { valAccuracy: p.config.sam!.rho === 0.1 ? 0.8 : 0.7 }));
    const state: SweepState = { ...emptyState(), phases: [{ name: 'grid', runIds: runs.map((r) => r.id), startedAt: 0 }] };
    // One grid run still training: the services wait.
    expect(nextStep(parsed, state, runs.map((r, i) => (i === 3 ? { ...r, status: 'running' } : r)), { run: () => null })).toMatchObject({ kind: 'wait' });
    expect(nextStep(parsed, state, runs.map((r, i) => (i === 3 ? { ...r, status: 'interrupted' } : r)), { run: () => null })).toEqual({ kind: 'wait', reason: expect.stringContaining('interrupted run #4: resume or cancel it') });
    const step = nextStep(parsed, state, runs, { run: () => null });
    if (step.kind !== 'phase') throw new Error(`expected a phase, got ${step.kind}`);
    expect(step.plan.decision).toMatchObject({ kind: 'tuning', chosen: { rho: 0.1 } });
    expect(step.plan.plans.map((p) => [p.baseline, p.config.sam?.rho ?? null, p.config.seed, p.config.epochs, p.config.data.validationSplit, p.config.data.limit])).toEqual([
      // data.limit 900 of a 10 % split came from a pool of ⌈900 / 0.9⌉ = 1000 examples: all of them train now.
      [true, null, 2, 4, 0, 1000],
      [false, 0.1, 2, 2, 0, 1000],
      [true, null, 3, 4, 0, 1000],
      [false, 0.1, 3, 2, 0, 1000],
    ]);
    expect(step.plan.plans[0].name).toBe('tune · final · SGD baseline 2× epochs seed=2');
  });

  it('fails with a reason when every grid run failed', () => {
    const parsed = sweepSpecSchema.parse(spec);
    const runs = planFirstPhase(parsed).plans.map((p, i) => done(i + 1, p.config, {}, 'failed'));
    const state: SweepState = { ...emptyState(), phases: [{ name: 'grid', runIds: runs.map((r) => r.id), startedAt: 0 }] };
    expect(nextStep(parsed, state, runs, { run: () => null })).toEqual({ kind: 'fail', reason: expect.stringContaining('no ρ could be chosen') });
  });

  it('refuses a single ρ, and ρ = 0, naming the field', () => {
    const one = sweepSpecSchema.safeParse({ ...spec, rho: [0.05] });
    expect(one.success).toBe(false);
    expect(one.error!.issues[0]).toMatchObject({ path: ['rho'], message: expect.stringContaining('give at least two') });
    expect(sweepSpecSchema.safeParse({ ...spec, rho: [0, 0.05] }).error!.issues[0].message).toMatch(/ρ = 0 is the baseline/);
  });

  it('compares the final phase on the test set: means, 95 % CIs, Welch’s SAM − baseline', () => {
    const sam = parseRunConfig({ ...base, sam: { rho: 0.1 } });
    const sgd = parseRunConfig({ ...base, sam: null, epochs: 4 });
    const runs = [0.8, 0.81, 0.82].flatMap((a, i) => [done(10 + i, { ...sam, seed: i }, { testAccuracy: a }), done(20 + i, { ...sgd, seed: i }, { testAccuracy: a - 0.02 })]);
    const c = finalComparison(runs);
    expect(c.rows.map((r) => [r.label, r.testAccuracy!.n, r.testAccuracy!.ci95 !== null])).toEqual([
      ['SAM ρ=0.1', 3, true],
      ['SGD baseline (4 epochs)', 3, true],
    ]);
    expect(c.difference!.diff).toBeCloseTo(0.02, 12);
  });
});

describe('the m-sharpness study', () => {
  const spec: SweepSpecInput = { name: 'ms', base: { ...base, data: { name: 'fashion-mnist', limit: 600 } }, rho: [0.02, 0.1], m: [4, null], study: { kind: 'm-sharpness', samples: 256 } };

  it('measures every run at every m of the grid, baseline included', () => {
    const plans = planFirstPhase(spec).plans;
    expect(plans.map((p) => [p.config.sam?.rho ?? 0, p.config.sam?.m ?? null])).toEqual([
      [0, null],
      [0.02, 4],
      [0.02, null],
      [0.1, 4],
      [0.1, null],
    ]);
    for (const p of plans) expect(p.config.mSharpness).toEqual({ m: [4, null], rho: 0.05, samples: 256, ascentSteps: 1 });
  });

  it('needs two m values and a sample that splits into every m, naming the study field', () => {
    expect(sweepSpecSchema.safeParse({ ...spec, m: [4] }).error!.issues[0]).toMatchObject({ path: ['m'] });
    const bad = sweepSpecSchema.safeParse({ ...spec, study: { kind: 'm-sharpness', samples: 100 } });
    expect(bad.error!.issues[0]).toMatchObject({ path: ['study', 'samples'], message: expect.stringContaining('is not a multiple of m = 32; every chunk needs m examples: choose a multiple of 32, e.g. 96') });
  });

  it('correlates the gap with each m-sharpness (τ per m) and reads how test accuracy reacts to ρ per training m', () => {
    const plans = planFirstPhase(spec).plans;
    // Gap rises with sharpness at m = 4 (τ = 1) but not at m = 32 (reversed: τ = −1).
    const runs = plans.map((p, i) => done(i + 1, p.config, { 'mSharpness@4': i, 'mSharpness@32': -i, evalTrainAccuracy: 0.9, testAccuracy: 0.9 - 0.01 * i }));
    const a = analyseMSharpness(runs);
    expect(a.correlations.map((c) => [c.m, c.wholeBatch, c.points.length, c.kendall!.tau])).toEqual([
      [4, false, 5, 1],
      [32, true, 5, -1],
    ]);
    expect(a.reactions.map((r) => [r.trainM, r.points.map((p) => p.rho), Number(r.range!.toFixed(4))])).toEqual([
      [4, [0.02, 0.1], 0.02],
      [32, [0.02, 0.1], 0.02],
    ]);
    expect(a.sentences[1]).toBe('The smallest m correlates best, as the paper reports (Fig. 3).');
  });

  it('does not name a winner when two m values correlate equally', () => {
    const runs = planFirstPhase(spec).plans.map((p, i) => done(i + 1, p.config, { 'mSharpness@4': i, 'mSharpness@32': 2 * i, evalTrainAccuracy: 0.9, testAccuracy: 0.9 - 0.01 * i }));
    const { sentences } = analyseMSharpness(runs);
    expect(sentences[1]).toBe('m = 4 and m = 32 (whole batch) correlate equally well (τ = 1.00): this run does not separate the m values.');
    // √(2·15 / (9·5·4)) = 0.41 at n = 5.
    expect(sentences).toContain('The τ values differ by less than twice their sampling spread (about ±0.41 at n = 5), so their ordering over m is suggestive, not established.');
  });
});

describe('the fine-tuning study', () => {
  const spec: SweepSpecInput = { name: 'ft', base, rho: [0.05], seeds: [0, 1], study: { kind: 'fine-tuning' } };

  it('pre-trains on classes 0–4 first, then fine-tunes from its checkpoint on 5–9 with a new head, SGD and SAM', () => {
    const parsed = sweepSpecSchema.parse(spec);
    const first = planFirstPhase(parsed);
    expect(first.phase).toBe('pretrain');
    expect(first.plans.map((p) => [p.name, p.config.sam, p.config.data.classes])).toEqual([['ft · pre-train on classes 0–4', null, [0, 1, 2, 3, 4]]]);
    const pre = done(7, first.plans[0].config, { testAccuracy: 0.9 });
    const state: SweepState = { ...emptyState(), phases: [{ name: 'pretrain', runIds: [7], startedAt: 0 }] };
    const ctx = { run: (id: number) => (id === 7 ? { config: pre.config, status: 'done' as const, checkpoint: '/ck/7.ckpt' } : null) };
    const step = nextStep(parsed, state, [pre], ctx);
    if (step.kind !== 'phase') throw new Error(`expected a phase, got ${step.kind}`);
    expect(step.plan.plans.map((p) => [p.config.sam?.rho ?? null, p.config.seed, p.config.data.classes, p.config.startFrom])).toEqual([
      [null, 0, [5, 6, 7, 8, 9], { checkpoint: '/ck/7.ckpt', sourceRunId: 7, head: 'new' }],
      [0.05, 0, [5, 6, 7, 8, 9], { checkpoint: '/ck/7.ckpt', sourceRunId: 7, head: 'new' }],
      [null, 1, [5, 6, 7, 8, 9], { checkpoint: '/ck/7.ckpt', sourceRunId: 7, head: 'new' }],
      [0.05, 1, [5, 6, 7, 8, 9], { checkpoint: '/ck/7.ckpt', sourceRunId: 7, head: 'new' }],
    ]);
    expect(nextStep(parsed, state, [{ ...pre, status: 'failed' }], ctx)).toEqual({ kind: 'fail', reason: expect.stringContaining('the pre-training run #7 ended failed') });
  });

  it('starts from a finished run of the app, taking its model config, or refuses a run that is not done', () => {
    const src = parseRunConfig({ ...base, model: { kind: 'mlp', hidden: [24] } });
    const ok = planFirstPhase({ ...spec, study: { kind: 'fine-tuning', source: { kind: 'run', runId: 3 } } }, { run: () => ({ config: src, status: 'done', checkpoint: '/ck/3.ckpt' }) });
    expect(ok.phase).toBe('fine-tune');
    expect(ok.plans[0].config.model).toEqual(src.model);
    expect(() => planFirstPhase({ ...spec, study: { kind: 'fine-tuning', source: { kind: 'run', runId: 3 } } }, { run: () => ({ config: src, status: 'running', checkpoint: null }) })).toThrow(
      /study.source.runId: run 3 is running and has no checkpoint/,
    );
  });
});

describe('the fine-tuning study from an imported Layers model', () => {
  it('fine-tunes the form’s Layers model from its own weights with a new head, and needs a Layers model', () => {
    const layers = { ...base, model: { kind: 'layers' as const, path: '/m/model.json', batchNorm: 'frozen' as const } };
    const first = planFirstPhase({ name: 'ft', base: layers, rho: [0.05], study: { kind: 'fine-tuning', source: { kind: 'layers' } } });
    expect(first.phase).toBe('fine-tune');
    expect(first.plans.map((p) => [p.config.model, p.config.startFrom])).toEqual([
      [{ kind: 'layers', path: '/m/model.json', batchNorm: 'frozen', dropout: 'keep' }, { checkpoint: null, sourceRunId: null, head: 'new' }],
      [{ kind: 'layers', path: '/m/model.json', batchNorm: 'frozen', dropout: 'keep' }, { checkpoint: null, sourceRunId: null, head: 'new' }],
    ]);
    const mlp = sweepSpecSchema.safeParse({ name: 'ft', base, rho: [0.05], study: { kind: 'fine-tuning', source: { kind: 'layers' } } });
    expect(mlp.error!.issues[0]).toMatchObject({ path: ['study', 'source', 'kind'], message: expect.stringContaining('its model.kind is "mlp"') });
  });
});

describe('run-config fields of the studies', () => {
  it('defaults every new field so stored configs validate unchanged', () => {
    const c = parseRunConfig(base);
    expect(c.startFrom).toBeNull();
    expect(c.mSharpness).toBeNull();
    expect(c.data.classes).toBeNull();
    expect(parseRunConfig({ ...base, model: { kind: 'layers', path: 'm.json' } }).model).toEqual({ kind: 'layers', path: 'm.json', batchNorm: 'train', dropout: 'keep' });
  });

  it('names the field of each mistake', () => {
    const errs = (input: unknown) => {
      const r = validateRunConfig(input);
      return r.ok ? [] : r.errors.map((e) => [e.field, e.message]);
    };
    expect(errs({ ...base, data: { name: 'fashion-mnist', classes: [1, 1, 2] } })).toEqual([['data.classes', 'data.classes lists class 1 twice; name each class once']]);
    expect(errs({ ...base, startFrom: { head: 'new' } })).toEqual([['startFrom.checkpoint', expect.stringContaining('startFrom.checkpoint is needed for model.kind "mlp"')]]);
    expect(errs({ ...base, startFrom: { checkpoint: 'a.ckpt', head: 'fresh' } })).toEqual([['startFrom.head', 'startFrom.head must be "new" or "keep"']]);
    expect(errs({ ...base, mSharpness: { m: [4, null], samples: 100 } })).toEqual([['mSharpness.samples', expect.stringContaining('is not a multiple of m = 32')]]);
    expect(errs({ ...base, model: { kind: 'layers', path: 'm.json', batchNorm: 'fixed' } })).toEqual([['model.batchNorm', 'model.batchNorm must be "train" or "frozen"']]);
    expect(errs({ ...base, mSharpness: { m: [4], sample: 64 } })[0][1]).toMatch(/mSharpness.sample is not a setting; did you mean mSharpness.samples\?/);
  });
});
