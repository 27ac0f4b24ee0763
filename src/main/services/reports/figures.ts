// The report's figures, built from plain run data: training curves, SAM diagnostics, Hessian
// spectra and loss-landscape slices. Each returns null when no run has the data, so the report
// says "not recorded" once instead of drawing empty frames.
import { isSam } from './final-metrics';
import { heatmap } from './svg/heatmap';
import { lineChart, type LineSeries } from './svg/line-chart';
import type { RawSeries, ReportRun } from './types';
import type { LandscapeKind } from '../../../shared/events';
import { runColor } from '../../../shared/colors';

export interface Figure {
  id: string;
  title: string;
  svg: string;
  caption: string;
  /** Spans both columns of the figure grid. */
  wide?: boolean;
}

/** A run's colour in every figure: the app's (src/shared/colors.ts), by run id. */
export const colorOf = (r: ReportRun) => runColor(r.run.id);
/** Legend label: with several runs just "#id" (the Runs table says what each is), so keys stay one line. */
const who = (r: ReportRun, multi: boolean) => (multi ? `#${r.run.id}` : r.run.name);
const TEST_DASH = '6 3';

function find(r: ReportRun, name: string, scope: 'step' | 'epoch'): RawSeries | undefined {
  return r.series.find((s) => s.name === name && s.scope === scope && s.value.length > 0);
}

/** Train curves come from the step series (finer), test curves from the epoch evaluations. */
function trainTestSeries(runs: ReportRun[], train: string, test: string, multiRun: boolean): LineSeries[] {
  const out: LineSeries[] = [];
  runs.forEach((r) => {
    const prefix = multiRun ? `#${r.run.id} ` : '';
    const tr = find(r, train, 'step') ?? find(r, train, 'epoch');
    const te = find(r, test, 'epoch');
    // Several runs: one key entry per run (its colour); solid = train, dashed = test is in the caption.
    if (tr) out.push({ label: multiRun ? prefix.trim() : 'train', x: tr.epoch, y: tr.value, color: colorOf(r), strokeWidth: 1.3, markers: tr.value.length <= 12 });
    if (te) out.push({ label: multiRun ? prefix.trim() : 'test', legend: !multiRun || !tr, x: te.epoch, y: te.value, color: colorOf(r), dash: TEST_DASH, strokeWidth: 2, markers: true });
  });
  return out;
}

/** train − test accuracy at each test evaluation; train taken at the same epoch (epoch series) or the last step before it. */
export function gapSeries(r: ReportRun): { x: number[]; y: number[] } | null {
  const te = find(r, 'testAccuracy', 'epoch');
  const tr = find(r, 'trainAccuracy', 'epoch') ?? find(r, 'trainAccuracy', 'step');
  if (!te || !tr) return null;
  const x: number[] = [];
  const y: number[] = [];
  for (let i = 0; i < te.epoch.length; i++) {
    let k = -1;
    for (let j = 0; j < tr.epoch.length; j++) if (tr.epoch[j] <= te.epoch[i] + 1e-9) k = j;
    if (k < 0) continue;
    x.push(te.epoch[i]);
    y.push((tr.value[k] - te.value[i]) * 100);
  }
  return x.length ? { x, y } : null;
}

function chartOrNull(series: LineSeries[], f: Omit<Figure, 'svg'>, opts: { xLabel: string; yLabel: string; logY?: boolean; logDecades?: number; zeroLine?: boolean; width?: number; height?: number }): Figure | null {
  if (!series.some((s) => s.y.some((v) => Number.isFinite(v)))) return null;
  return { ...f, wide: (opts.width ?? 0) > 400, svg: lineChart({ id: f.id, title: f.title, series, ...opts }) };
}

export function curveFigures(runs: ReportRun[]): Figure[] {
  const multi = runs.length > 1;
  const figs = [
    chartOrNull(trainTestSeries(runs, 'trainLoss', 'testLoss', multi), { id: 'fig-loss', title: 'Loss', caption: 'Cross-entropy; solid: training (running average over logged steps), dashed: test set at each epoch. Colours: the runs, as in the Runs table and the app.' }, { xLabel: 'epoch', yLabel: 'loss' }),
    chartOrNull(
      trainTestSeries(runs, 'trainAccuracy', 'testAccuracy', multi).map((s) => ({ ...s, y: s.y.map((v) => v * 100) })),
      { id: 'fig-accuracy', title: 'Accuracy', caption: 'Solid: training, dashed: test.' },
      { xLabel: 'epoch', yLabel: 'accuracy (%)' },
    ),
    chartOrNull(
      runs.flatMap((r) => {
        const g = gapSeries(r);
        return g ? [{ label: who(r, multi), x: g.x, y: g.y, color: colorOf(r), markers: true }] : [];
      }),
      { id: 'fig-gap', title: 'Generalisation gap', caption: 'Train accuracy minus test accuracy at each epoch end. Train accuracy is averaged over the epoch’s batches as they were trained, so it lags in early epochs (a negative gap there is expected).' },
      { xLabel: 'epoch', yLabel: 'train − test acc. (pp)', zeroLine: true },
    ),
  ];
  figs.push(
    chartOrNull(
      runs.flatMap((r) => {
        const s = find(r, 'gradNorm', 'step');
        return s ? [{ label: who(r, multi), x: s.epoch, y: s.value, color: colorOf(r), strokeWidth: 1.2 }] : [];
      }),
      { id: 'fig-gradnorm', title: 'Gradient norm ‖∇L‖', caption: 'Norm of the mini-batch gradient (for SAM: the first-pass gradient that sets ε̂).' },
      { xLabel: 'epoch', yLabel: '‖∇L‖' },
    ),
  );
  const sam = runs.filter(isSam);
  if (sam.length) {
    const samSeries = (name: string): LineSeries[] =>
      sam.flatMap((r) => {
        const s = find(r, name, 'step') ?? find(r, name, 'epoch');
        return s ? [{ label: multi ? `#${r.run.id}` : `ρ=${r.run.config.sam!.rho}`, x: s.epoch, y: s.value, color: colorOf(r), strokeWidth: 1.3 }] : [];
      });
    figs.push(
      chartOrNull(samSeries('epsNorm'), { id: 'fig-eps', title: 'Perturbation norm ‖ε̂‖', caption: 'Norm of the SAM ascent step ε̂ (Foret et al. 2021, eq. 2); equals ρ for p = 2 without ASAM.' }, { xLabel: 'epoch', yLabel: '‖ε̂‖' }),
      chartOrNull(samSeries('sharpness'), { id: 'fig-sharpness', title: 'SAM sharpness L(w+ε̂) − L(w)', caption: 'Loss increase at the perturbed weights on each batch: the sharpness term SAM minimises.' }, { xLabel: 'epoch', yLabel: 'loss increase' }),
    );
  }
  return figs.filter((f): f is Figure => f !== null);
}

export function spectrumFigures(runs: ReportRun[]): Figure[] {
  const multi = runs.length > 1;
  const top: LineSeries[] = [];
  const ratio: LineSeries[] = [];
  const density: LineSeries[] = [];
  runs.forEach((r) => {
    if (!r.spectra.length) return;
    const sp = [...r.spectra].sort((a, b) => a.step - b.step);
    const k = Math.max(...sp.map((s) => s.topEigenvalues.length));
    for (let j = 0; j < k; j++) {
      top.push({
        // One legend entry for λ_max and one for the rest (λ2…λk) keeps the key short.
        label: `${multi ? `#${r.run.id} ` : ''}${j === 0 ? 'λ_max' : k > 2 ? `λ2…λ${k}` : 'λ2'}`,
        legend: j <= 1,
        x: sp.map((s) => s.epoch),
        y: sp.map((s) => s.topEigenvalues[j] ?? NaN),
        color: colorOf(r),
        strokeWidth: j === 0 ? 2.2 : 0.9,
        dash: j === 0 ? undefined : '3 2',
        markers: j === 0,
      });
    }
    ratio.push({ label: who(r, multi), x: sp.map((s) => s.epoch), y: sp.map((s) => s.lambdaMaxOverLambda5 ?? NaN), color: colorOf(r), markers: true });
    const last = sp[sp.length - 1];
    if (last.density) density.push({ label: `#${r.run.id} (epoch ${last.epoch})`, x: last.density.grid, y: last.density.values, color: colorOf(r), markers: false });
  });
  return [
    chartOrNull(top, { id: 'fig-eigs', title: 'Top Hessian eigenvalues', caption: 'Lanczos estimates of the largest eigenvalues of the training-loss Hessian on a fixed batch; thick: λ_max.' }, { xLabel: 'epoch', yLabel: 'eigenvalue' }),
    chartOrNull(ratio, { id: 'fig-ratio', title: 'λ_max / λ_5', caption: 'Ratio of the largest to the fifth eigenvalue (Foret et al. 2021, §4.2): how dominated the curvature is by a few directions.' }, { xLabel: 'epoch', yLabel: 'λ_max / λ_5' }),
    chartOrNull(density, { id: 'fig-density', title: 'Eigenvalue density (last analysis)', caption: 'Stochastic Lanczos quadrature estimate of the spectral density, log scale.' }, { xLabel: 'eigenvalue', yLabel: 'density', logY: true, logDecades: 7, width: 700, height: 210 }),
  ].filter((f): f is Figure => f !== null);
}

const LANDSCAPE_TITLES: Record<LandscapeKind, [string, string]> = {
  '1d-random': ['Loss along a random direction', 'Loss at w + α·d for a filter-normalised random direction d (Li et al. 2018); α = 0 is the trained model.'],
  '1d-eps': ['Loss along the SAM direction ε̂', 'Loss at w + α·ε̂ along the last SAM perturbation; α = 1 is the point where SAM takes its second gradient. A flat curve means a flat minimum in the direction SAM probes.'],
  '2d-random': ['Loss surface', ''],
};

export function landscapeFigures(runs: ReportRun[]): Figure[] {
  const lastOf = (r: ReportRun, kind: LandscapeKind) => r.landscapes.filter((l) => l.kind === kind).sort((a, b) => b.step - a.step)[0];
  const figs: (Figure | null)[] = [];
  for (const kind of ['1d-random', '1d-eps'] as const) {
    const [title, caption] = LANDSCAPE_TITLES[kind];
    const series = runs.flatMap((r) => {
      const l = lastOf(r, kind);
      return l ? [{ label: `${who(r, runs.length > 1)} (epoch ${l.epoch})`, x: l.alphas, y: l.losses, color: colorOf(r), markers: l.alphas.length <= 25 }] : [];
    });
    figs.push(chartOrNull(series, { id: `fig-${kind}`, title, caption }, { xLabel: kind === '1d-eps' ? 'α (units of ε̂)' : 'α', yLabel: 'loss' }));
  }
  const planes = runs.map((r) => ({ r, l: lastOf(r, '2d-random') })).filter((p) => p.l && p.l.betas);
  // One colour scale for all runs: the same colour means the same loss in every panel.
  const all = planes.flatMap(({ l }) => l!.losses.filter((v) => Number.isFinite(v)));
  const colorDomain: [number, number] | undefined = all.length ? [Math.min(...all), Math.max(...all)] : undefined;
  for (const { r, l } of planes) {
    const title = `Loss surface · #${r.run.id} ${r.run.name}`;
    figs.push({
      id: `fig-2d-${r.run.id}`,
      title,
      caption: `Loss at w + α·d₁ + β·d₂ for two filter-normalised random directions (Li et al. 2018), run #${r.run.id} at epoch ${l!.epoch}; + marks the trained weights.${planes.length > 1 ? ' All panels share one colour scale.' : ''}`,
      svg: heatmap({ id: `fig-2d-${r.run.id}`, title, xLabel: 'α', yLabel: 'β', xs: l!.alphas, ys: l!.betas!, values: l!.losses, colorDomain }),
    });
  }
  return figs.filter((f): f is Figure => f !== null);
}
