// The plain data a report is rendered from: everything is read from the store first, so the
// HTML/CSV/JSON writers are pure functions of this object (and testable without a database).
import type { RunDetail, Series } from '../../../shared/api';
import type { LandscapeEvent, SpectrumEvent } from '../../../shared/events';

export interface MachineInfo {
  os: string;
  cpuModel: string;
  cores: number;
  memoryBytes: number;
  node: string;
  /** Where the facts come from: the run's own record, or the machine that wrote the report. */
  source: 'run' | 'report-machine';
}

export interface ReportRun {
  run: RunDetail;
  machine: MachineInfo;
  /** Full-resolution series (x = step), both scopes; the CSV and the JSON are written from these. */
  series: RawSeries[];
  spectra: SpectrumEvent[];
  landscapes: LandscapeEvent[];
}

/** One stored series with every point's three coordinates (step, epoch, wall time). */
export interface RawSeries {
  name: string;
  scope: Series['scope'];
  step: number[];
  epoch: number[];
  timeMs: number[];
  value: number[];
}

export interface ReportData {
  title: string;
  createdAt: number;
  runs: ReportRun[];
}

/** Print report HTML to an A4 PDF at outPath (headless Chromium here, printToPDF in Electron). */
export type PdfRenderer = (html: string, outPath: string) => Promise<void>;
