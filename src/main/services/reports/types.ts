// The plain data a report is rendered from: everything is read from the store first, so the
// HTML/CSV/JSON writers are pure functions of this object (and testable without a database).
import type { RunDetail, Series } from '../../../shared/api';
import type { LandscapeEvent, SpectrumEvent } from '../../../shared/events';
import type { SweepState } from '../../../shared/studies/phases';
import type { SweepSpec } from '../../../shared/sweep';

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

/** A study sweep some of the report's runs belong to (its reading uses the report's runs of it). */
export interface ReportStudy {
  sweepId: number;
  name: string;
  spec: SweepSpec;
  state: SweepState;
  /** Ids of the report's runs that belong to the sweep. */
  runIds: number[];
}

export interface ReportData {
  title: string;
  createdAt: number;
  runs: ReportRun[];
  /** The study sweeps among the runs (none for runs outside a study). */
  studies?: ReportStudy[];
}

/** Print report HTML to an A4 PDF at outPath (headless Chromium here, printToPDF in Electron). */
export type PdfRenderer = (html: string, outPath: string) => Promise<void>;
