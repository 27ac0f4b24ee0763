// The study sections of reports, from study sweeps stored in a real SQLite file (runs written as
// finished, with final metrics, as the services record them): the tuning protocol's chosen ρ,
// its validation curve and the retrained runs' means with 95 % CIs; τ per m; the fine-tuning
// comparison. HTML and JSON say the same.
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { gatherReportData, renderReportHtml, toReportJson } from '../../src/main/services/reports/index';
import { openStore, type Store } from '../../src/main/services/store/index';
import { parseRunConfig, type RunConfigInput } from '../../src/shared/config';
import { chooseCandidate, emptyState, planFirstPhase, tuningCandidates, type StudyRun, type SweepState } from '../../src/shared/studies/index';
import { sweepSpecSchema, type SweepSpecInput } from '../../src/shared/sweep';
import { makeTempDir, removeTempDir } from './helpers/tmp';

const dir = makeTempDir('sam-report-studies-');
afterAll(() => removeTempDir(dir));

const base: RunConfigInput = { epochs: 2, batchSize: 32, data: { name: 'fashion-mnist', limit: 900 }, model: { kind: 'mlp', hidden: [16] }, optimizer: { kind: 'sgd', lr: 0.05 }, sam: { rho: 0.05 } };

/** Store finished runs of `configs` under a sweep, each with its final metrics. */
function storeRuns(store: Store, sweepId: number, rows: { name: string; config: RunConfigInput; metrics: Record<string, number> }[]): StudyRun[] {
  return rows.map((r) => {
    const run = store.createRun({ name: r.name, config: parseRunConfig(r.config), sweepId, status: 'done' });
    store.setRunState(run.id, { finalMetrics: { trainLoss: 0.3, trainAccuracy: 0.9, testLoss: 0.5, ...r.metrics } as never });
    return { ...store.getSummary(run.id) };
  });
}

describe('a tuning-protocol sweep in a report', () => {
  it('shows the ρ chosen on the validation split, the validation curve with its CIs, and the retrained groups with means and CIs', () => {
    const store = openStore(join(dir, 'tune.db'));
    const specIn: SweepSpecInput = { name: 'tune', base, rho: [0.02, 0.1], seeds: [0, 1, 2], study: { kind: 'tuning' } };
    const spec = sweepSpecSchema.parse(specIn);
    const sweepId = store.createSweep('tune', spec, emptyState());
    const grid = storeRuns(
      store,
      sweepId,
      planFirstPhase(spec).plans.map((p, i) => ({ name: p.name, config: p.config, metrics: { testAccuracy: 0.8, valAccuracy: (p.config.sam!.rho === 0.1 ? 0.84 : 0.8) + 0.004 * (i % 3) } })),
    );
    const decision = chooseCandidate(tuningCandidates(grid, 'valAccuracy'), 'valAccuracy')!;
    const finalCfg = (sam: boolean, seed: number): RunConfigInput => ({ ...base, seed, epochs: sam ? 2 : 4, data: { name: 'fashion-mnist', limit: 1000 }, sam: sam ? { rho: 0.1 } : null });
    const final = storeRuns(store, sweepId, [3, 4, 5].flatMap((seed, i) => [
      { name: `b${seed}`, config: finalCfg(false, seed), metrics: { testAccuracy: 0.8 + 0.002 * i } },
      { name: `s${seed}`, config: finalCfg(true, seed), metrics: { testAccuracy: 0.83 + 0.002 * i } },
    ]));
    const state: SweepState = { phases: [{ name: 'grid', runIds: grid.map((r) => r.id), startedAt: 0 }, { name: 'final', runIds: final.map((r) => r.id), startedAt: 1 }], decision, error: null, complete: true };
    store.setSweepState(sweepId, state);
    const data = gatherReportData(store, [...grid, ...final].map((r) => r.id));
    const html = renderReportHtml(data);
    const section = html.slice(html.indexOf('<section id="study-'), html.indexOf('</section>', html.indexOf('<section id="study-')));
    expect(section).toContain('data-study="tuning"');
    expect(section).toContain('<b>ρ chosen on the validation split: 0.1</b> (10 % of the training set held out; by mean validation accuracy)');
    expect(section).toMatch(/ρ = 0.1 chosen: the highest mean validation accuracy, 84.40 % \(3 seeds, 95 % CI [\d.]+ %–[\d.]+ %\)/);
    // The curve: one marker per ρ on a log axis, an error bar per ρ, and the chosen point.
    expect(section).toMatch(/<figure id="fig-study-\d+-curve" class="wide">/);
    expect((section.match(/class="point"/g) ?? []).length).toBe(2 + 1);
    // The retrained groups, each with a 95 % CI, and Welch's difference.
    expect(section).toMatch(/SAM ρ=0.1<br>.*83.20 % ± 0.20 pp <span class="note">\(n = 3\)<\/span><br><span class="note">95 % CI 82.70 % – 83.70 %<\/span>/);
    expect(section).toContain('SGD baseline (4 epochs)');
    expect(section).toMatch(/Test accuracy, SAM ρ=0.1 − SGD baseline \(4 epochs\): \+3.00 pp, 95 % CI \+[\d.]+ pp to \+[\d.]+ pp \(Welch\): SAM was better on these seeds with 95 % confidence/);
    const json = JSON.parse(toReportJson(data));
    expect(json.studies).toHaveLength(1);
    expect(json.studies[0]).toMatchObject({ sweepId, study: { kind: 'tuning' }, decision: { chosen: { rho: 0.1 } }, reading: { kind: 'tuning', comparison: { rows: [{ testAccuracy: { n: 3 } }, { testAccuracy: { n: 3 } }] } } });
    store.close();
  });
});

describe('the other studies in a report', () => {
  it('m-sharpness: a τ per m and a scatter per m; fine-tuning: the pre-trained model beside both fine-tunes', () => {
    const store = openStore(join(dir, 'other.db'));
    const ms = sweepSpecSchema.parse({ name: 'ms', base: { ...base, data: { name: 'fashion-mnist', limit: 600 } }, rho: [0.02, 0.1], m: [4, null], study: { kind: 'm-sharpness', samples: 256 } });
    const msId = store.createSweep('ms', ms, emptyState());
    const msRuns = storeRuns(store, msId, planFirstPhase(ms).plans.map((p, i) => ({ name: p.name, config: p.config, metrics: { 'mSharpness@4': i, 'mSharpness@32': 5 - i, evalTrainAccuracy: 0.95, testAccuracy: 0.9 - 0.01 * i } })));
    store.setSweepState(msId, { ...emptyState(), phases: [{ name: 'grid', runIds: msRuns.map((r) => r.id), startedAt: 0 }], complete: true });
    const ft = sweepSpecSchema.parse({ name: 'ft', base, rho: [0.05], seeds: [0, 1, 2], study: { kind: 'fine-tuning' } });
    const ftId = store.createSweep('ft', ft, emptyState());
    const [pre] = storeRuns(store, ftId, [{ name: 'pre', config: { ...base, sam: null, data: { name: 'fashion-mnist', classes: [0, 1, 2, 3, 4] } }, metrics: { testAccuracy: 0.91 } }]);
    const tuned = storeRuns(store, ftId, [0, 1, 2].flatMap((seed) => [
      { name: `sgd${seed}`, config: { ...base, seed, sam: null, data: { name: 'fashion-mnist', classes: [5, 6, 7, 8, 9] } }, metrics: { testAccuracy: 0.9 + 0.001 * seed } },
      { name: `sam${seed}`, config: { ...base, seed, data: { name: 'fashion-mnist', classes: [5, 6, 7, 8, 9] } }, metrics: { testAccuracy: 0.9 + 0.002 * seed } },
    ]));
    store.setSweepState(ftId, { phases: [{ name: 'pretrain', runIds: [pre.id], startedAt: 0 }, { name: 'fine-tune', runIds: tuned.map((r) => r.id), startedAt: 1 }], decision: { kind: 'fine-tuning', sourceRunId: pre.id, checkpoint: '/x.ckpt', sentences: ['Fine-tuned from the pre-trained run.'] }, error: null, complete: true });
    const html = renderReportHtml(gatherReportData(store, [...msRuns, pre, ...tuned].map((r) => r.id)));
    const msSection = html.slice(html.indexOf('data-study="m-sharpness"'), html.indexOf('data-study="fine-tuning"'));
    expect(msSection.match(/<td class="num tau">[^<]+/g)).toEqual(['<td class="num tau">1.000', '<td class="num tau">-1.000']);
    expect(msSection).toContain('The smallest m correlates best, as the paper reports (Fig. 3).');
    expect(msSection.match(/<figure id="fig-study-\d+-m\d+"/g)).toHaveLength(2);
    const ftSection = html.slice(html.indexOf('data-study="fine-tuning"'));
    expect(ftSection).toMatch(/pre-trained on classes 0–4 \(SGD\)<br><span class="note">#\d+ · its own classes' test set<\/span><\/td><td class="num">91.00 %/);
    expect(ftSection).toContain('SGD fine-tune on classes 5–9');
    expect(ftSection).toContain('SAM ρ=0.05 fine-tune on classes 5–9');
    expect((ftSection.match(/95 % CI /g) ?? []).length).toBeGreaterThanOrEqual(2);
    store.close();
  });
});
