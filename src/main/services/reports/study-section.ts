// The report's study section, one per study sweep among the runs: what the study found, read
// with the same shared functions as the sweep's page (src/shared/studies/reading.ts).
//   tuning      — the validation curve over ρ (mean ± 95 % CI per ρ), the ρ chosen on the
//                 validation split and why, and the retrained runs on the test set (means, CIs);
//   m-sharpness — the gap against each m-sharpness with Kendall τ per m, and test accuracy over ρ;
//   fine-tuning — the pre-trained model, the fine-tunes without and with SAM, side by side.
import { STUDY_LABELS, readStudy, type FinalComparison, type MSharpnessAnalysis, type StudyReading, type ValidationCurve } from '../../../shared/studies/index';
import type { Summary } from '../../../shared/stats';
import { runColor } from '../../../shared/colors';
import { lineChart, type LineSeries } from './svg/line-chart';
import { esc } from './svg/common';
import type { Figure } from './figures';
import type { ReportData, ReportStudy } from './types';

const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b'];
const pct = (v: number) => `${(v * 100).toFixed(2)} %`;
const dash = '<span class="missing">—</span>';

/** "86.00 % ± 0.50 (3 seeds)" and its CI under it; the CI needs three seeds. */
function summaryCell(s: Summary | null, fmt: (v: number) => string, sdFmt: (v: number) => string): string {
  if (!s) return `<td class="num">${dash}</td>`;
  const sd = s.n > 1 ? ` ± ${esc(sdFmt(s.sd))}` : '';
  const ci = s.ci95 ? `<br><span class="note">95 % CI ${esc(fmt(s.ci95[0]))} – ${esc(fmt(s.ci95[1]))}</span>` : '';
  return `<td class="num">${esc(fmt(s.mean))}${sd} <span class="note">(n = ${s.n})</span>${ci}</td>`;
}
const accCell = (s: Summary | null) => summaryCell(s, pct, (v) => `${(v * 100).toFixed(2)} pp`);
const lossCell = (s: Summary | null) => summaryCell(s, (v) => v.toFixed(4), (v) => v.toFixed(4));

/** Error bar of a mean: the 95 % CI when there is one, else ± one sd. */
function bar(s: Summary): [number, number] {
  return s.ci95 ?? [s.mean - s.sd, s.mean + s.sd];
}

function curveFigure(id: string, curves: ValidationCurve[], selectBy: string, chosen: number | null): Figure | null {
  const scale = selectBy === 'valAccuracy' ? 100 : 1;
  const series: LineSeries[] = [];
  curves.forEach((c, i) => {
    const color = PALETTE[i % PALETTE.length];
    const pts = c.points.filter((p) => p.summary);
    series.push({ label: c.label || 'SAM', x: pts.map((p) => p.rho), y: pts.map((p) => p.summary!.mean * scale), color, markers: true });
    for (const p of pts) {
      const [lo, hi] = bar(p.summary!);
      series.push({ label: '', legend: false, x: [p.rho, p.rho], y: [lo * scale, hi * scale], color, markers: false, strokeWidth: 1.2 });
    }
    const win = pts.find((p) => p.rho === chosen);
    if (win) series.push({ label: `chosen: ρ = ${chosen}`, x: [win.rho], y: [win.summary!.mean * scale], color: '#111', line: false });
  });
  if (!series.length) return null;
  const what = selectBy === 'valAccuracy' ? 'validation accuracy (%)' : 'validation loss';
  return {
    id,
    title: 'Validation curve over ρ',
    wide: true,
    svg: lineChart({ id, title: 'Validation curve over ρ', xLabel: 'ρ (log scale)', yLabel: what, series, logX: true, width: 640, height: 260 }),
    caption: `Mean ${what} of the grid's runs at each ρ on the held-out validation split; bars: 95 % confidence interval of the mean (Student t) with three or more seeds, ± one standard deviation with two. The test set played no part in choosing ρ.`,
  };
}

function comparisonTable(c: FinalComparison): string {
  const rows = c.rows.map(
    (r) => `<tr><td><span class="swatch" style="background:${runColor(r.runIds[0])}"></span>${esc(r.label)}<br><span class="note">${r.runIds.map((id) => `#${id}`).join(', ')}</span></td>${accCell(r.testAccuracy)}${lossCell(r.testLoss)}</tr>`,
  );
  return `<table class="study-final"><thead><tr><th>Group</th><th class="num">Test accuracy (mean ± sd)</th><th class="num">Test loss</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

function tuningHtml(s: ReportStudy, r: Extract<StudyReading, { kind: 'tuning' }>, figs: (f: Figure | null) => string): string {
  const chosen = r.decision?.chosen.rho ?? null;
  const rows = (r.decision?.candidates ?? []).map(
    (c) => `<tr><td${c.rho === chosen ? ' class="best"' : ''}>${esc(c.label)}</td><td class="num">${c.runIds.length - c.missing} of ${c.runIds.length}</td>${r.selectBy === 'valAccuracy' ? accCell(c.summary) : lossCell(c.summary)}</tr>`,
  );
  const head = chosen !== null ? `<p class="chosen"><b>ρ chosen on the validation split: ${esc(String(chosen))}</b> (${Math.round(r.validationSplit * 100)} % of the training set held out; by ${r.selectBy === 'valAccuracy' ? 'mean validation accuracy' : 'mean validation loss'}).</p>` : '';
  const table = rows.length ? `<table class="study-grid"><thead><tr><th>ρ</th><th class="num">Seeds with a result</th><th class="num">${r.selectBy === 'valAccuracy' ? 'Validation accuracy' : 'Validation loss'} (mean ± sd)</th></tr></thead><tbody>${rows.join('')}</tbody></table>` : '';
  const final = r.comparison ? `<h3>Retrained at the chosen ρ, on the test set</h3>${comparisonTable(r.comparison)}` : '<p class="missing">The retraining phase has not started yet.</p>';
  return `${head}${figs(curveFigure(`fig-study-${s.sweepId}-curve`, r.curves, r.selectBy, chosen))}${table}${final}`;
}

function mSharpnessHtml(s: ReportStudy, a: MSharpnessAnalysis, figs: (f: Figure | null) => string): string {
  const rows = a.correlations.map(
    (c) =>
      `<tr><td>m = ${c.m}${c.wholeBatch ? ' (whole batch)' : ''}</td><td class="num">${c.points.length}</td><td class="num tau">${c.kendall ? c.kendall.tau.toFixed(3) : dash}</td><td class="num">${c.kendall?.p != null ? c.kendall.p.toFixed(3) : dash}</td></tr>`,
  );
  const table = `<table class="study-tau"><thead><tr><th>m-sharpness at</th><th class="num">Runs</th><th class="num">Kendall τ_b (gap vs sharpness)</th><th class="num">p (τ = 0, normal approx.)</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
  const scatter = a.correlations.map((c, i) => {
    const id = `fig-study-${s.sweepId}-m${c.m}`;
    const title = `m = ${c.m}${c.kendall ? ` · τ = ${c.kendall.tau.toFixed(2)}` : ''}`;
    const series: LineSeries[] = [{ label: `runs (n = ${c.points.length})`, x: c.points.map((p) => p.sharpness), y: c.points.map((p) => p.gap * 100), color: PALETTE[i % PALETTE.length], line: false }];
    return figs({ id, title, svg: lineChart({ id, title, xLabel: `m-sharpness, m = ${c.m}`, yLabel: 'gap, train − test acc. (pp)', series }), caption: `Each point is a run: its m-sharpness at m = ${c.m} (the same ρ and sample for all runs) against its generalisation gap.` });
  });
  const reactId = `fig-study-${s.sweepId}-react`;
  const react: LineSeries[] = a.reactions.map((r, i) => ({ label: `trained with m = ${r.trainM}`, x: r.points.filter((p) => p.testAccuracy).map((p) => p.rho), y: r.points.filter((p) => p.testAccuracy).map((p) => p.testAccuracy!.mean * 100), color: PALETTE[i % PALETTE.length], markers: true }));
  const reactFig = react.some((x) => x.x.length) ? figs({ id: reactId, title: 'Test accuracy over ρ per training m', svg: lineChart({ id: reactId, title: 'Test accuracy over ρ', xLabel: 'ρ (log scale)', yLabel: 'test accuracy (%)', series: react, logX: true }), caption: 'Mean test accuracy (over seeds) at each ρ, one line per m the runs trained with: the paper finds smaller m reacts more to ρ.' }) : '';
  return `${table}${scatter.join('')}${reactFig}`;
}

function fineTuningHtml(r: Extract<StudyReading, { kind: 'fine-tuning' }>): string {
  const pre = r.pretrained
    ? `<tr><td><span class="swatch" style="background:${runColor(r.pretrained.runId)}"></span>${esc(r.pretrained.label)}<br><span class="note">#${r.pretrained.runId} · its own classes' test set</span></td><td class="num">${r.pretrained.testAccuracy === null ? dash : esc(pct(r.pretrained.testAccuracy))} <span class="note">(n = 1)</span></td><td class="num">${dash}</td></tr>`
    : '';
  const rows = (r.comparison?.rows ?? []).map(
    (x) => `<tr><td><span class="swatch" style="background:${runColor(x.runIds[0])}"></span>${esc(x.label)}<br><span class="note">${x.runIds.map((id) => `#${id}`).join(', ')}</span></td>${accCell(x.testAccuracy)}${lossCell(x.testLoss)}</tr>`,
  );
  return `<table class="study-final"><thead><tr><th>Model</th><th class="num">Test accuracy (mean ± sd)</th><th class="num">Test loss</th></tr></thead><tbody>${pre}${rows.join('')}</tbody></table>`;
}

/** One section per study sweep; '' when the report's runs belong to none. */
export function studySections(data: ReportData, figure: (f: Figure) => string): string {
  const byId = new Map(data.runs.map((r) => [r.run.id, r.run]));
  return (data.studies ?? [])
    .map((s) => {
      const reading = readStudy(s.spec, s.state, s.runIds.map((id) => byId.get(id)!));
      if (!reading) return '';
      const figs = (f: Figure | null) => (f ? `<div class="figs">${figure(f)}</div>` : '');
      const body = reading.kind === 'tuning' ? tuningHtml(s, reading, figs) : reading.kind === 'm-sharpness' ? mSharpnessHtml(s, reading.analysis, figs) : fineTuningHtml(reading);
      const text = `<div class="reading">${reading.sentences.map((t) => `<p>${esc(t)}</p>`).join('')}</div>`;
      return `<section id="study-${s.sweepId}" class="page study" data-study="${reading.kind}"><h2>${esc(STUDY_LABELS[reading.kind])}: ${esc(s.name)}</h2>${text}${body}</section>`;
    })
    .join('\n');
}
