// Events a trainer emits (engine → trainer process → services → store and subscribers).
// Everything here is plain JSON so it crosses process and WebSocket boundaries unchanged.
import type { BackendName, RunConfig } from './config';
import type { LayerSpectrum } from './layer-sharpness';

/**
 * What a run trained on: one of the app's tfjs backends, or N PyTorch DDP processes (a run's
 * PyTorch export, trained by `sam-studio launch` or elsewhere and imported).
 */
export type RunBackend = BackendName | `pytorch-ddp×${number}`;

export interface BackendReport {
  /** The backend training actually ran on. */
  name: RunBackend;
  /**
   * Each other backend that was not used, and why: missing package, no CUDA, no adapter, a
   * self-check that disagreed with cpu, or (under `auto`) slower here than the one chosen.
   */
  skipped: { name: BackendName; reason: string }[];
  /** Extra facts worth showing: SIMD, threads, device name, CUDA version. */
  details: Record<string, string | number | boolean>;
  /** The ladder as tried: every rung's self-check and timing (absent in runs stored before it existed). */
  checks?: BackendCheck[];
}

/** One rung of the ladder as the engine tried it before training. */
export interface BackendCheck {
  name: BackendName;
  /**
   * chosen: training ran on it; passed: agrees with cpu but is slower here; slower: not brought up
   * this time, its remembered timing is slower than the chosen one's; refused: its self-check
   * failed or disagreed with cpu; unavailable: it could not start here; reference: cpu, which the
   * others are checked against.
   */
  status: 'chosen' | 'passed' | 'slower' | 'refused' | 'unavailable' | 'reference';
  /** Why (refused, unavailable, slower) or what it is (device, threads). */
  reason: string;
  /** Wall time of its self-check (ms); null when none ran. */
  checkMs: number | null;
  /** Largest relative difference from cpu in the self-check; null when none ran. */
  maxRelError: number | null;
  /** Median time of the timing workload (one SAM step) in ms; null when not timed. */
  stepMs: number | null;
  /** A software rasteriser behind WebGPU (SwiftShader): correct, but slower than wasm. */
  software?: boolean;
}

/** Metric names used across engine, store, UI and reports. Step and epoch series share names. */
export const METRIC_NAMES = [
  'trainLoss',
  'trainAccuracy',
  'valLoss',
  'valAccuracy',
  'testLoss',
  'testAccuracy',
  'lr',
  'gradNorm',
  'epsNorm',
  'sharpness',
  'examplesPerSec',
  /** Forward-backward passes per step, in units of the batch (SGD 1, SAM 2, LookSAM 1 + 1/k, ESAM 1 + γ). */
  'passesPerStep',
  /** Forward-only passes per step (ESAM ranks the batch at w + ε̂ without a backward). */
  'forwardPassesPerStep',
] as const;
export type MetricName = (typeof METRIC_NAMES)[number];

export interface StartedEvent {
  event: 'started';
  runId: number | null;
  backend: BackendReport;
  paramCount: number;
  trainExamples: number;
  testExamples: number;
  stepsPerEpoch: number;
  /** Set when the run continues from a checkpoint. */
  resumedFromStep: number | null;
  config: RunConfig;
}

export interface MetricsEvent {
  event: 'metrics';
  runId: number | null;
  /** 'step': running averages over the last logEvery steps; 'epoch': end-of-epoch evaluation. */
  scope: 'step' | 'epoch';
  step: number;
  /** Fractional epoch for step events (e.g. 1.25), whole for epoch events. */
  epoch: number;
  /** Milliseconds since the run started (wall-time axis). */
  timeMs: number;
  values: Partial<Record<MetricName, number>>;
}

export interface SpectrumResult {
  /** Descending. */
  topEigenvalues: number[];
  lambdaMaxOverLambda5: number | null;
  trace: number | null;
  traceStdErr: number | null;
  density: { grid: number[]; values: number[] } | null;
  /** How the Hessian-vector products were computed: exact double backprop or central finite differences. */
  hvp: 'exact' | 'finite-difference';
  /** Relative finite-difference step (weights moved by fdStep·‖w‖); set when hvp is 'finite-difference'. */
  fdStep?: number;
  /** Why this method: the exact-vs-finite-difference check's outcome, or that it was requested. Absent in older spectra. */
  hvpReason?: string;
  /**
   * Where 'auto' compared exact with finite differences: on the model itself, or on its smooth twin
   * (a ReLU model's weights with softplus for ReLU, where finite differences cross no kinks). Absent
   * when a method was requested, and in older spectra (checked on the model).
   */
  hvpCheckedOn?: 'model' | 'smooth-twin';
  hessianBatchSize: number;
  iterations: number;
  elapsedMs: number;
  /** Per-layer λ_max and ε̂ shares (hessian.perLayer); absent in older spectra. */
  perLayer?: LayerSpectrum | null;
}

export interface SpectrumEvent extends SpectrumResult {
  event: 'spectrum';
  runId: number | null;
  epoch: number;
  step: number;
}

export type LandscapeKind = '1d-random' | '2d-random' | '1d-eps';
export interface LandscapeResult {
  kind: LandscapeKind;
  /** Step sizes along the first direction. */
  alphas: number[];
  /** Along the second direction (2-D only). */
  betas: number[] | null;
  /** 1-D: losses[i]; 2-D: losses[i * betas.length + j]. */
  losses: number[];
}
export interface LandscapeEvent extends LandscapeResult {
  event: 'landscape';
  runId: number | null;
  epoch: number;
  step: number;
}

export interface CheckpointEvent {
  event: 'checkpoint';
  runId: number | null;
  epoch: number;
  step: number;
  path: string;
}

export interface ProgressEvent {
  event: 'progress';
  runId: number | null;
  /** e.g. 'download', 'load-data', 'hessian', 'landscape'. */
  phase: string;
  done: number;
  total: number;
  message?: string;
}

export interface LogEvent {
  event: 'log';
  runId: number | null;
  level: 'info' | 'warn' | 'error';
  message: string;
}

export interface FinalMetrics {
  testAccuracy: number;
  testLoss: number;
  trainLoss: number;
  trainAccuracy: number;
  valAccuracy?: number;
  valLoss?: number;
  [name: string]: number | undefined;
}

export interface DoneEvent {
  event: 'done';
  runId: number | null;
  backend: RunBackend;
  metrics: FinalMetrics;
  epochs: number;
  steps: number;
  elapsedMs: number;
}

export interface StoppedEvent {
  event: 'stopped';
  runId: number | null;
  step: number;
  /** The last checkpoint written, from which the run can resume. */
  checkpoint: string | null;
}

export interface FailedEvent {
  event: 'failed';
  runId: number | null;
  /** Plain words, e.g. "loss became NaN at step 412". */
  reason: string;
  step: number | null;
}

export type TrainerEvent =
  | StartedEvent
  | MetricsEvent
  | SpectrumEvent
  | LandscapeEvent
  | CheckpointEvent
  | ProgressEvent
  | LogEvent
  | DoneEvent
  | StoppedEvent
  | FailedEvent;

export type TrainerEventName = TrainerEvent['event'];
export const TERMINAL_EVENTS: readonly TrainerEventName[] = ['done', 'stopped', 'failed'];
