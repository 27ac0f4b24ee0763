// The report's stylesheet: screen and A4 print from the same HTML. Only locally installed fonts
// (no @font-face, nothing to fetch). Major sections start on a new printed page; figures and
// table rows never split across pages.
export const REPORT_CSS = `
@page { size: A4; margin: 13mm 12mm 14mm 12mm; }
* { box-sizing: border-box; }
html { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
body { font-family: "DejaVu Sans", "Liberation Sans", Arial, Helvetica, sans-serif; font-size: 10.5pt; color: #1d1d1f;
  line-height: 1.4; margin: 0 auto; max-width: 190mm; padding: 8mm 0; background: #fff; }
@media print { body { padding: 0 1px; max-width: none; } }
h1 { font-size: 19pt; margin: 0 0 2mm; line-height: 1.2; }
h2 { font-size: 13.5pt; margin: 7mm 0 2.5mm; padding-bottom: 1mm; border-bottom: 1.5px solid #d0d7de; break-after: avoid; }
h3 { font-size: 11pt; margin: 4mm 0 1.5mm; break-after: avoid; }
.meta { color: #555; font-size: 9.5pt; margin: 0 0 4mm; }
section.page { break-before: page; }
section.page > h2:first-child { margin-top: 0; }
table { border-collapse: collapse; width: 100%; font-size: 9pt; margin: 1mm 0 3mm; }
th, td { border: 1px solid #d0d7de; padding: 1.2mm 2mm; text-align: left; vertical-align: top; }
th { background: #f3f5f7; font-weight: 600; }
tr { break-inside: avoid; }
td.run { white-space: nowrap; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.best { font-weight: 700; background: #e8f5e9; }
td.best::after { content: " ★"; color: #2e7d32; }
tr.differs td { background: #fff4d6; }
tr.differs td.field { font-weight: 700; }
table.config { font-size: 7.5pt; line-height: 1.25; }
table.config td, table.config th { padding: 0.35mm 2mm; font-family: "DejaVu Sans Mono", "Liberation Mono", monospace; word-break: break-all; }
table.config td.field { white-space: nowrap; word-break: normal; }
.swatch { display: inline-block; width: 9px; height: 9px; border-radius: 2px; margin-right: 4px; vertical-align: baseline; }
.reading { border-left: 4px solid #1f77b4; background: #f5f9fd; padding: 2mm 4mm; margin: 2mm 0 3mm; break-inside: avoid; }
.reading p { margin: 1.2mm 0; }
.note { color: #555; font-size: 9pt; }
.figs { display: grid; grid-template-columns: 1fr 1fr; gap: 4mm 5mm; margin: 2mm 0 4mm; }
figure { margin: 0; break-inside: avoid; page-break-inside: avoid; }
figure.wide { grid-column: 1 / span 2; }
figure svg.chart { width: 100%; height: auto; display: block; border: 1px solid #eceff2; }
figcaption { font-size: 8.5pt; color: #444; margin-top: 1mm; }
figcaption b { color: #1d1d1f; }
.missing { color: #777; font-style: italic; }
pre.notes { white-space: pre-wrap; font-family: inherit; margin: 1mm 0 3mm; padding: 2mm 3mm; background: #fafafa; border: 1px solid #eee; }
footer { margin-top: 6mm; color: #777; font-size: 8.5pt; border-top: 1px solid #eee; padding-top: 2mm; }
`;
