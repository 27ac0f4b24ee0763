// The report's tables as HTML fragments: runs, final metrics (best marked), machine and backend,
// configuration (differences highlighted), final spectra, notes.
import { describeOptimizer } from '../../../shared/config';
import { finiteDifferenceWarning, hvpMethodLabel } from '../../../shared/hvp-method';
import { configRows } from '../../../shared/config-diff';
import { bestIndex, lastSpectrum, METRIC_COLUMNS } from './final-metrics';
import { groupLabels, seedGroups } from '../../../shared/seed-groups';
import { summarize } from '../../../shared/stats';
import { runColor } from '../../../shared/colors';
import { colorOf } from './figures';
import { formatBytes } from './machine';
import { esc } from './svg/common';
import type { ReportRun } from './types';

const swatch = (r: ReportRun) => `<span class="swatch" style="background:${colorOf(r)}"></span>`;
const runHead = (r: ReportRun, _i?: number) => `${swatch(r)}#${r.run.id}`;
const dash = '<span class="missing">—</span>';

export function formatDate(ms: number | null): string {
  return ms === null ? '—' : `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

function duration(r: ReportRun): string {
  const { startedAt, endedAt } = r.run;
  if (startedAt === null || endedAt === null) return '—';
  const s = Math.round((endedAt - startedAt) / 1000);
  return s < 120 ? `${s} s` : `${Math.floor(s / 60)} min ${s % 60} s`;
}

/** Conv nets are ReLU unless configured otherwise; name any other activation. */
const actSuffix = (a: string) => (a === 'relu' ? '' : ` ${a}`);

function modelLabel(r: ReportRun): string {
  const m = r.run.config.model;
  switch (m.kind) {
    case 'mlp':
      return `MLP [${m.hidden.join('-')}] ${m.activation}`;
    case 'cnn':
      return `CNN [${m.filters.join('-')}] + ${m.dense}${actSuffix(m.activation)}`;
    case 'wrn':
      return `WRN-${m.depth}-${m.widen}${actSuffix(m.activation)}`;
    case 'layers':
      return `Layers model ${m.path}`;
    default:
      return `${m.kind} width ${m.width}${actSuffix(m.activation)}`;
  }
}

export function runsTable(runs: ReportRun[]): string {
  const rows = runs.map((r, i) => {
    const c = r.run.config;
    const data = `${c.data.name}${c.data.limit ? ` (${c.data.limit} train)` : ''}${c.data.labelNoise ? `, ${c.data.labelNoise * 100}% label noise` : ''}`;
    return `<tr><td class="run">${runHead(r, i)}</td><td>${esc(r.run.name)}</td><td>${esc(r.run.status)}</td><td>${esc(describeOptimizer(c))}</td>
      <td>${esc(modelLabel(r))}${r.run.paramCount ? `<br><span class="note">${r.run.paramCount.toLocaleString('en-US')} parameters</span>` : ''}</td>
      <td>${esc(data)}</td><td class="num">${c.epochs}</td><td>${esc(r.run.backend ?? '—')}</td><td class="num">${duration(r)}</td></tr>`;
  });
  return `<table class="runs"><thead><tr><th>Run</th><th>Name</th><th>Status</th><th>Optimizer</th><th>Model</th><th>Data</th>
    <th class="num">Epochs</th><th>Backend</th><th class="num">Time</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

export function metricsTable(runs: ReportRun[]): string {
  const best = METRIC_COLUMNS.map((c) => bestIndex(runs, c));
  const head = METRIC_COLUMNS.map((c) => `<th class="num">${esc(c.label)}</th>`).join('');
  const rows = runs.map((r, i) => {
    const cells = METRIC_COLUMNS.map((c, k) => {
      const v = c.value(r);
      return `<td class="num${best[k] === i ? ' best' : ''}">${v === null || !Number.isFinite(v) ? dash : esc(c.format(v))}</td>`;
    });
    return `<tr><td class="run">${runHead(r, i)}</td>${cells.join('')}</tr>`;
  });
  const note = runs.length > 1 ? '<p class="note">★ best value among these runs (highest test accuracy; lowest test loss and λ_max; gap closest to zero).</p>' : '';
  return `<table class="metrics"><thead><tr><th>Run</th>${head}</tr></thead><tbody>${rows.join('')}</tbody></table>${note}`;
}

export function machineTable(runs: ReportRun[]): string {
  const rows = runs.map((r, i) => {
    const m = r.machine;
    const br = r.run.backendReport;
    const details = br ? Object.entries(br.details).map(([k, v]) => `${esc(k)}: ${esc(String(v))}`).join(' · ') : '';
    const skipped = br?.skipped.length ? br.skipped.map((s) => `${esc(s.name)} — ${esc(s.reason)}`).join('<br>') : '';
    return `<tr><td class="run">${runHead(r, i)}</td><td>${esc(m.os)}<br><span class="note">Node ${esc(m.node)}${m.source === 'report-machine' ? ' · machine that wrote this report' : ''}</span></td>
      <td>${esc(m.cpuModel)}</td><td class="num">${m.cores}</td><td class="num">${formatBytes(m.memoryBytes)}</td>
      <td><b>${esc(br?.name ?? r.run.backend ?? 'not recorded')}</b>${details ? `<br><span class="note">${details}</span>` : ''}</td>
      <td class="note">${skipped || '—'}</td></tr>`;
  });
  return `<table class="machine"><thead><tr><th>Run</th><th>OS</th><th>CPU</th><th class="num">Cores</th><th class="num">Memory</th><th>Backend</th><th>Better backends skipped</th></tr></thead>
    <tbody>${rows.join('')}</tbody></table>`;
}

export function configTable(runs: ReportRun[]): string {
  const rows = configRows(runs.map((r) => r.run.config));
  const multi = runs.length > 1;
  const nDiff = rows.filter((r) => r.differs).length;
  const head = runs.map((r, i) => `<th>${runHead(r, i)}</th>`).join('');
  const body = rows
    .map((row) => `<tr${multi && row.differs ? ' class="differs"' : ''}><td class="field">${esc(row.field)}</td>${row.values.map((v) => `<td>${esc(v)}</td>`).join('')}</tr>`)
    .join('');
  const note = multi ? `<p class="note">${nDiff} of ${rows.length} fields differ between the runs; they are highlighted.</p>` : '';
  return `${note}<table class="config"><thead><tr><th>Field</th>${head}</tr></thead><tbody>${body}</tbody></table>`;
}

export function spectrumTable(runs: ReportRun[]): string {
  const fmt = (v: number | null | undefined) => (typeof v === 'number' && Number.isFinite(v) ? esc(Number(v.toPrecision(5)).toString()) : dash);
  const rows = runs.map((r, i) => {
    const s = lastSpectrum(r);
    if (!s) return `<tr><td class="run">${runHead(r, i)}</td><td colspan="6" class="missing">no Hessian analysis recorded (enable hessian in the run config)</td></tr>`;
    const trace = s.trace === null ? dash : `${fmt(s.trace)}${s.traceStdErr !== null ? ` ± ${fmt(s.traceStdErr)}` : ''}`;
    return `<tr><td class="run">${runHead(r, i)}</td><td class="num">${fmt(s.epoch)}</td><td>${s.topEigenvalues.map((v) => fmt(v)).join(', ')}</td>
      <td class="num">${fmt(s.lambdaMaxOverLambda5)}</td><td class="num">${trace}</td><td>${esc(hvpMethodLabel(s))}${finiteDifferenceWarning(s) ? ' ⚠' : ''}, batch ${s.hessianBatchSize}</td><td class="num">${r.spectra.length}</td></tr>`;
  });
  // A finite-difference spectrum is approximate: say so under the table, per run.
  const warnings = runs
    .map((r, i) => {
      const s = lastSpectrum(r);
      const warning = s ? finiteDifferenceWarning(s) : null;
      return warning ? `<p class="note fd-warning">⚠ ${runHead(r, i)}: ${esc(warning)}</p>` : '';
    })
    .join('');
  return `<table class="spectra"><thead><tr><th>Run</th><th class="num">Epoch</th><th>Top eigenvalues (last analysis)</th><th class="num">λ_max/λ_5</th>
    <th class="num">Trace</th><th>Hessian-vector products</th><th class="num">Analyses</th></tr></thead><tbody>${rows.join('')}</tbody></table>${warnings}`;
}

export function notesSection(runs: ReportRun[]): string {
  return runs
    .map((r, i) => {
      const parts: string[] = [];
      if (r.run.tags.length) parts.push(`<p class="note">Tags: ${r.run.tags.map(esc).join(', ')}</p>`);
      if (r.run.failureReason) parts.push(`<p><b>Ended ${esc(r.run.status)}:</b> ${esc(r.run.failureReason)}</p>`);
      parts.push(r.run.notes.trim() ? `<pre class="notes">${esc(r.run.notes)}</pre>` : '<p class="missing">No notes.</p>');
      return `<h3>${runHead(r, i)} ${esc(r.run.name)}</h3>${parts.join('')}`;
    })
    .join('');
}

/**
 * Seed groups (runs that differ only in the seed): mean ± sample std per metric, and the 95 %
 * confidence interval of the mean (Student t) from three seeds on. Empty when no group repeats.
 */
export function groupTable(runs: ReportRun[]): string {
  const groups = seedGroups(runs.map((r) => ({ id: r.run.id, config: r.run.config })));
  if (!groups.some((g) => g.ids.length > 1)) return '';
  const labels = groupLabels(groups);
  const byId = new Map(runs.map((r) => [r.run.id, r]));
  const cols = METRIC_COLUMNS.filter((c) => ['testAccuracy', 'testLoss', 'gap', 'lambdaMax'].includes(c.key));
  const head = cols.map((c) => `<th class="num">${esc(c.label)}</th>`).join('');
  const rows = groups.map((g, i) => {
    const cells = cols.map((c) => {
      const s = summarize(g.ids.map((id) => c.value(byId.get(id)!)));
      if (!s) return `<td class="num">${dash}</td>`;
      const sd = s.n > 1 ? ` ± ${esc(c.format(s.sd).replace(/ %$| pp$/, ''))}` : '';
      const ci = s.ci95 ? `<br><span class="note">95 % CI ${esc(c.format(s.ci95[0]))} – ${esc(c.format(s.ci95[1]))}</span>` : '';
      return `<td class="num">${esc(c.format(s.mean))}${sd}${ci}</td>`;
    });
    const sw = `<span class="swatch" style="background:${runColor(g.ids[0])}"></span>`;
    return `<tr><td>${sw}${esc(labels[i])}<br><span class="note">${g.ids.map((id) => `#${id}`).join(', ')}</span></td>${cells.join('')}</tr>`;
  });
  return `<h2>By seed group</h2><table class="groups"><thead><tr><th>Group</th>${head}</tr></thead><tbody>${rows.join('')}</tbody></table>
    <p class="note">Mean ± sample standard deviation over seeds; the 95 % confidence interval of the mean (Student t) is given from three seeds on.</p>`;
}
