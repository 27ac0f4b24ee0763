// The self-contained HTML report: inline CSS and inline SVG charts, no scripts and nothing that
// loads from anywhere (a CSP meta tag makes that explicit to the browser that opens it).
import { curveFigures, landscapeFigures, spectrumFigures, type Figure } from './figures';
import { REPORT_CSS } from './html-style';
import { configTable, formatDate, groupTable, machineTable, metricsTable, notesSection, runsTable, spectrumTable } from './html-tables';
import { readSamEffect } from './sam-reading';
import { hasLayers, layerFigures, layerTable } from './layer-section';
import { studySections } from './study-section';
import { esc } from './svg/common';
import type { ReportData } from './types';

export const REPORT_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:";

function figureHtml(f: Figure, counter: { n: number }): string {
  const n = ++counter.n;
  return `<figure id="${esc(f.id)}"${f.wide ? ' class="wide"' : ''}>${f.svg}<figcaption><b>Fig. ${n}.</b> ${esc(f.caption)}</figcaption></figure>`;
}

function figureGrid(figs: Figure[], counter: { n: number }, missing: string): string {
  if (!figs.length) return `<p class="missing">${esc(missing)}</p>`;
  return `<div class="figs">${figs.map((f) => figureHtml(f, counter)).join('')}</div>`;
}

export function renderReportHtml(data: ReportData, appVersion = '0.1.0'): string {
  const runs = data.runs;
  const counter = { n: 0 };
  const reading = readSamEffect(runs);
  const curves = curveFigures(runs);
  const spectra = spectrumFigures(runs);
  const landscapes = landscapeFigures(runs);
  const layers = layerFigures(runs);
  const kind = runs.length > 1 ? `comparison of ${runs.length} runs` : 'single run';
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${REPORT_CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="SAM Studio ${esc(appVersion)}">
<title>${esc(data.title)}</title>
<style>${REPORT_CSS}</style></head>
<body>
<header><h1>${esc(data.title)}</h1>
<p class="meta">SAM Studio report · ${kind} · generated ${esc(formatDate(data.createdAt))}</p></header>
<section id="summary">
<h2>Runs</h2>${runsTable(runs)}
<h2>Did SAM help?</h2><div class="reading">${reading.text.map((t) => `<p>${esc(t)}</p>`).join('')}</div>
<h2>Final metrics</h2>${metricsTable(runs)}
${groupTable(runs)}
<h2>Machine and backend</h2>${machineTable(runs)}
</section>
${studySections(data, (f) => figureHtml(f, counter))}
<section id="curves" class="page"><h2>Training curves</h2>
${figureGrid(curves, counter, 'No metric series were recorded for these runs.')}
</section>
<section id="spectra" class="page"><h2>Hessian spectrum</h2>
${spectrumTable(runs)}
${figureGrid(spectra, counter, 'No Hessian spectra were recorded: set hessian in the run config to analyse curvature.')}
</section>
${hasLayers(runs) ? `<section id="layers" class="page"><h2>Per-layer sharpness</h2>
${figureGrid(layers, counter, '')}
${layerTable(runs)}
</section>` : ''}
<section id="landscape" class="page"><h2>Loss landscape</h2>
${figureGrid(landscapes, counter, 'No loss-landscape slices were recorded: set hessian.landscape = true in the run config.')}
</section>
<section id="config" class="page"><h2>Configuration</h2>
${configTable(runs)}
</section>
<section id="notes"><h2>Notes</h2>
${notesSection(runs)}
</section>
<footer>Made by SAM Studio ${esc(appVersion)}. SAM: Foret, Kleiner, Mobahi, Neyshabur, “Sharpness-Aware Minimization for Efficiently Improving Generalization”, ICLR 2021. Landscape slices: Li et al., “Visualizing the Loss Landscape of Neural Nets”, NeurIPS 2018.</footer>
</body></html>
`;
}
