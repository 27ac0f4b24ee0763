// StudioApi: the one contract between the renderer and the services. The preload exposes it
// over Electron IPC; the browser door exposes it over a WebSocket. Both validate every request
// with `apiRequestSchemas` before it reaches a service.
import { z } from 'zod';
import { issuesToFieldErrors } from './unknown-keys';
import { runConfigSchema, type RunConfig, type BackendName, type DatasetName } from './config';
import type { BackendReport, FinalMetrics, LandscapeEvent, RunBackend, SpectrumEvent, TrainerEvent } from './events';
import { sweepSpecSchema, type SweepRunPlan, type SweepSpec } from './sweep';
import type { StudyKind, SweepState } from './studies/phases';
import { API_METHOD_NAMES, type ApiMethodName } from './api-methods';

export const RUN_STATUSES = ['queued', 'running', 'done', 'failed', 'interrupted', 'cancelled'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

export interface RunSummary {
  id: number;
  name: string;
  status: RunStatus;
  config: RunConfig;
  backend: RunBackend | null;
  sweepId: number | null;
  tags: string[];
  notes: string;
  createdAt: number;
  startedAt: number | null;
  endedAt: number | null;
  /** 0..1 while running. */
  progress: number;
  /** Estimated ms left while running. */
  etaMs: number | null;
  failureReason: string | null;
  finalMetrics: Partial<FinalMetrics> | null;
  paramCount: number | null;
  /** Archived runs stay stored but leave the default run list. */
  archived: boolean;
  /** What a running run is doing now, e.g. "training · epoch 2/3", "Hessian analysis · 12/40". */
  phase: string | null;
}

export interface RunDetail extends RunSummary {
  backendReport: BackendReport | null;
  checkpoints: { epoch: number; step: number; path: string }[];
  artifacts: ArtifactInfo[];
  /** The run's last log lines (data source, backend choice, warnings), oldest first. */
  logs: { at: number; level: 'info' | 'warn' | 'error'; message: string }[];
}

export interface ArtifactInfo {
  id: number;
  runIds: number[];
  kind: 'report';
  format: ReportFormat;
  path: string;
  createdAt: number;
}

export const REPORT_FORMATS = ['html', 'pdf', 'csv', 'json'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

/** One metric series of one run; x is step, epoch or ms depending on the request's axis. */
export interface Series {
  runId: number;
  name: string;
  scope: 'step' | 'epoch';
  x: number[];
  y: number[];
  /** Number of stored points before downsampling. */
  total: number;
}

export const runQuerySchema = z
  .strictObject({
    search: z.string().max(200).optional(),
    status: z.array(z.enum(RUN_STATUSES)).optional(),
    sweepId: z.number().int().optional(),
    tag: z.string().optional(),
    /** true: only archived runs; false: only runs not archived; absent: both. */
    archived: z.boolean().optional(),
    sort: z.enum(['createdAt', 'name', 'status', 'testAccuracy', 'testLoss']).default('createdAt'),
    order: z.enum(['asc', 'desc']).default('desc'),
    limit: z.number().int().positive().max(10000).default(1000),
  })
  .default({ sort: 'createdAt', order: 'desc', limit: 1000 });
export type RunQuery = z.input<typeof runQuerySchema>;

export const seriesQuerySchema = z.strictObject({
  runIds: z.array(z.number().int().positive()).min(1, 'pick at least one run').max(200),
  /** Metric names; empty = all. */
  names: z.array(z.string()).default([]),
  scope: z.enum(['step', 'epoch']).default('step'),
  axis: z.enum(['step', 'epoch', 'time']).default('step'),
  /** Downsample each series to at most this many points (min/max-preserving). */
  maxPoints: z.number().int().min(10).max(100000).default(1000),
});
export type SeriesQuery = z.input<typeof seriesQuerySchema>;

/** A run's name and tags, the same bounds wherever they are written (create, update, sweep). */
export const runNameSchema = z.string().min(1, 'a run name must not be empty').max(200, 'a run name has at most 200 characters');
export const runTagsSchema = z
  .array(z.string().min(1, 'a tag must not be empty').max(50, 'a tag has at most 50 characters'))
  .max(50, 'a run has at most 50 tags');

export const runPatchSchema = z.strictObject({
  name: runNameSchema.optional(),
  notes: z.string().max(100000).optional(),
  tags: runTagsSchema.optional(),
  archived: z.boolean().optional(),
});
export type RunPatch = z.infer<typeof runPatchSchema>;

export const reportRequestSchema = z.strictObject({
  runIds: z.array(z.number().int().positive()).min(1, 'pick at least one run'),
  format: z.enum(REPORT_FORMATS),
  title: z.string().max(200).optional(),
});
export type ReportRequest = z.input<typeof reportRequestSchema>;

export interface DatasetInfo {
  name: DatasetName;
  /** Where the files are (or would be) on this machine. */
  path: string | null;
  onDisk: boolean;
  note: string;
}

export interface AppInfo {
  version: string;
  dbPath: string;
  /** Backends this machine can use, best first, with why the others cannot. */
  backends: { name: BackendName; available: boolean; reason: string }[];
  transport: 'electron' | 'websocket';
  concurrency: number;
}

export const ANALYSIS_STATUSES = ['queued', 'running', 'done', 'failed', 'cancelled'] as const;
export type AnalysisStatus = (typeof ANALYSIS_STATUSES)[number];

/**
 * Analyse a stored run after the fact: which weights (the last checkpoint, one by its step, or
 * the seeded initial weights) and what to compute. Fields left out come from the run's own
 * `hessian` config, else the schema's defaults.
 */
export const analysisRequestSchema = z.strictObject({
  checkpoint: z.union([z.literal('last'), z.literal('initial'), z.number().int().min(0)]).default('last'),
  topK: z.number().int().min(1, 'topK must be 1–20').max(20, 'topK must be 1–20').optional(),
  batchSize: z.number().int().positive('batchSize must be at least 1').optional(),
  maxIterations: z.number().int().positive('maxIterations must be at least 1').optional(),
  trace: z.boolean().optional(),
  density: z.boolean().optional(),
  landscape: z.boolean().optional(),
  perLayer: z.boolean().optional(),
});
export type AnalysisRequest = z.input<typeof analysisRequestSchema>;

export interface AnalysisJob {
  id: number;
  runId: number;
  status: AnalysisStatus;
  request: z.output<typeof analysisRequestSchema>;
  /** The weights analysed: null = the seeded initial weights. */
  checkpoint: { epoch: number; step: number; path: string } | null;
  /** 0..1 while running. */
  progress: number;
  phase: string | null;
  etaMs: number | null;
  error: string | null;
  createdAt: number;
  startedAt: number | null;
  endedAt: number | null;
}

/** A run written as a PyTorch DDP project (train.py, its modules, README with the commands). */
export interface PytorchExportInfo {
  dir: string;
  /** Files written, relative to dir. */
  files: string[];
  /** Numbers of processes the run's batch splits over (up to 64). */
  worldSizes: number[];
  /** The README's one-machine commands. */
  commands: { single: string; torchrun: string; manual: string };
}

/** A sweep in the sweep list: what it is and how far it got. */
export interface SweepSummary {
  id: number;
  name: string;
  createdAt: number;
  /** The paper's study it runs, null for a plain grid. */
  study: StudyKind | null;
  runCount: number;
  /** Where it is: "grid: 3 of 12 runs still to finish", "done", or why it stopped. */
  status: string;
  complete: boolean;
}

/** One sweep with its spec, the record of its phases and its runs (all phases, oldest first). */
export interface SweepDetail extends SweepSummary {
  spec: SweepSpec;
  state: SweepState | null;
  runs: RunSummary[];
  /** The phases still to come, in words (the tuning protocol's retraining before it starts). */
  later: string[];
}

/** Pushed to subscribers: every trainer event, run status changes and analysis jobs. */
export type StudioEvent =
  | { type: 'run-event'; runId: number; event: TrainerEvent }
  | { type: 'run-updated'; run: RunSummary }
  | { type: 'run-deleted'; runId: number }
  | { type: 'analysis-updated'; job: AnalysisJob };

const id = z.number().int().positive();

/**
 * Argument tuples of every request, by method name. The single source for validation at both
 * doors; adding a method here and to StudioApi is all a new call needs.
 */
export const apiRequestSchemas = {
  info: z.tuple([]),
  datasets: z.tuple([]),
  listRuns: z.tuple([runQuerySchema]),
  getRun: z.tuple([id]),
  createRun: z.tuple([runConfigSchema, z.strictObject({ name: runNameSchema.optional(), tags: runTagsSchema.optional() }).default({})]),
  previewSweep: z.tuple([sweepSpecSchema]),
  createSweep: z.tuple([sweepSpecSchema]),
  listSweeps: z.tuple([]),
  getSweep: z.tuple([id]),
  stopRun: z.tuple([id]),
  cancelRun: z.tuple([id]),
  resumeRun: z.tuple([id]),
  rerun: z.tuple([id]),
  duplicateRun: z.tuple([id, runConfigSchema]),
  updateRun: z.tuple([id, runPatchSchema]),
  deleteRun: z.tuple([id]),
  getSeries: z.tuple([seriesQuerySchema]),
  getSpectra: z.tuple([id]),
  getLandscapes: z.tuple([id]),
  exportReport: z.tuple([reportRequestSchema]),
  listArtifacts: z.tuple([id]),
  readArtifact: z.tuple([id]),
  analyseRun: z.tuple([id, analysisRequestSchema.default({ checkpoint: 'last' })]),
  listAnalyses: z.tuple([z.strictObject({ runId: id.optional() }).default({})]),
  cancelAnalysis: z.tuple([id]),
  exportPytorch: z.tuple([id]),
} as const satisfies Record<ApiMethodName, z.ZodType>;
export type ApiMethod = ApiMethodName;
export const API_METHODS: readonly ApiMethod[] = API_METHOD_NAMES;

export interface StudioApi {
  info(): Promise<AppInfo>;
  datasets(): Promise<DatasetInfo[]>;
  listRuns(query?: RunQuery): Promise<RunSummary[]>;
  getRun(id: number): Promise<RunDetail>;
  createRun(config: unknown, opts?: { name?: string; tags?: string[] }): Promise<RunSummary>;
  previewSweep(spec: unknown): Promise<SweepRunPlan[]>;
  createSweep(spec: unknown): Promise<{ sweepId: number; runs: RunSummary[] }>;
  listSweeps(): Promise<SweepSummary[]>;
  /** A sweep with its phases and runs; a study sweep's later phases start by themselves. */
  getSweep(id: number): Promise<SweepDetail>;
  stopRun(id: number): Promise<RunSummary>;
  cancelRun(id: number): Promise<RunSummary>;
  resumeRun(id: number): Promise<RunSummary>;
  rerun(id: number): Promise<RunSummary>;
  duplicateRun(id: number, config: unknown): Promise<RunSummary>;
  updateRun(id: number, patch: RunPatch): Promise<RunSummary>;
  deleteRun(id: number): Promise<void>;
  getSeries(query: SeriesQuery): Promise<Series[]>;
  getSpectra(id: number): Promise<SpectrumEvent[]>;
  getLandscapes(id: number): Promise<LandscapeEvent[]>;
  exportReport(req: ReportRequest): Promise<ArtifactInfo>;
  listArtifacts(runId: number): Promise<ArtifactInfo[]>;
  /** The artifact's bytes as base64 (the browser door downloads it; Electron saves via a dialog). */
  readArtifact(artifactId: number): Promise<{ fileName: string; mime: string; base64: string }>;
  /** Queue a Hessian / density / trace / landscape analysis of a stored run's checkpoint. */
  analyseRun(runId: number, request?: AnalysisRequest): Promise<AnalysisJob>;
  listAnalyses(query?: { runId?: number }): Promise<AnalysisJob[]>;
  cancelAnalysis(jobId: number): Promise<AnalysisJob>;
  /** Write the run as a PyTorch DDP project into the app's exports folder (see PytorchExportInfo). */
  exportPytorch(runId: number): Promise<PytorchExportInfo>;
  subscribe(listener: (e: StudioEvent) => void): () => void;
}

/** Error a door returns for a bad request: names the method and each bad argument. */
export class ApiValidationError extends Error {
  constructor(method: string, public readonly issues: { field: string; message: string }[]) {
    super(`${method}: invalid request: ${issues.map((i) => (i.field ? `${i.field}: ${i.message}` : i.message)).join('; ')}`);
    this.name = 'ApiValidationError';
  }
}

/** Validate a request at a door; returns the parsed (defaults-filled) argument tuple. */
export function validateApiRequest(method: string, args: unknown): unknown[] {
  if (!(API_METHODS as string[]).includes(method)) {
    throw new ApiValidationError(method, [{ field: '', message: `unknown method; expected one of ${API_METHODS.join(', ')}` }]);
  }
  const schema = apiRequestSchemas[method as ApiMethod] as z.ZodType<unknown[]>;
  const r = schema.safeParse(Array.isArray(args) ? args : [args]);
  if (r.success) return r.data;
  // Drop the tuple index so "sam.rho" reads as it does in the form.
  throw new ApiValidationError(method, issuesToFieldErrors(schema, r.error.issues, 1));
}
