// Progress, ETA and phase of a running run, counting the Hessian work as well as the steps.
// Training time per step and analysis time per analysis are measured from when the trainer's
// events arrive; before the first analysis has finished, its cost is estimated from the step
// time and the number of Hessian-vector products it plans (then replaced by what it took).
//   remaining = steps left × time per step + analyses left × time per analysis (+ the rest of
//               the one in progress)
//   progress  = 1 − remaining / (all steps × time per step + all analyses × time per analysis)
// So the bar never shows 100 % while an analysis is still to come, and the ETA keeps moving
// while the Hessian runs.
import type { RunConfig } from '../../../shared/config';
import type { TrainerEvent } from '../../../shared/events';
import { analysesAfter } from '../../../shared/hessian-schedule';

export interface ProgressState {
  progress: number;
  etaMs: number | null;
  phase: string | null;
}

/** Data-loading phases the engine reports before training starts. */
const LOADING_PHASES: Record<string, string> = { download: 'downloading data', extract: 'unpacking data', load: 'loading data', prepare: 'preparing data' };
const ANALYSIS_PHASES: Record<string, string> = { hessian: 'Hessian analysis', landscape: 'loss landscape' };

interface CurrentAnalysis {
  startedAt: number;
  /** 0..1 of this analysis done, from its progress events. */
  fraction: number;
}

class RunTrack {
  totalSteps: number | null = null;
  stepsPerEpoch: number | null = null;
  stepsDone = 0;
  allAnalyses = 0;
  analysesLeft = 0;
  lastAt: number | null = null;
  trainMs = 0;
  stepsTimed = 0;
  analysisMs: number[] = [];
  current: CurrentAnalysis | null = null;
  phase: string | null = null;
  now = 0;

  constructor(readonly config: RunConfig) {}

  observe(e: TrainerEvent, at: number): void {
    this.now = Math.max(this.now, at);
    switch (e.event) {
      case 'started': {
        this.stepsPerEpoch = e.stepsPerEpoch;
        this.totalSteps = e.stepsPerEpoch * this.config.epochs;
        this.stepsDone = e.resumedFromStep ?? 0;
        const epochsDone = Math.floor(this.stepsDone / e.stepsPerEpoch);
        this.allAnalyses = analysesAfter(this.config.hessian, 0, this.config.epochs);
        this.analysesLeft = analysesAfter(this.config.hessian, epochsDone, this.config.epochs);
        // A new session: its own pace (the machine or the load may differ).
        this.trainMs = 0;
        this.stepsTimed = 0;
        this.current = null;
        this.phase = this.trainingPhase();
        this.lastAt = at;
        return;
      }
      case 'progress': {
        const analysis = ANALYSIS_PHASES[e.phase];
        if (!analysis) {
          this.phase = `${LOADING_PHASES[e.phase] ?? e.phase}${e.total > 1 ? ` ${e.done}/${e.total}` : ''}`;
          this.lastAt = at;
          return;
        }
        // The analysis began right after the event before its first progress report.
        this.current ??= { startedAt: this.lastAt ?? at, fraction: 0 };
        const within = e.total > 0 ? Math.min(1, e.done / e.total) : 0;
        const hessianShare = this.config.hessian?.landscape ? 0.5 : 1;
        this.current.fraction = e.phase === 'hessian' ? within * hessianShare : hessianShare + within * (1 - hessianShare);
        this.phase = `${analysis}${e.message ? ` · ${e.message}` : ''} · ${e.done}/${e.total}`;
        this.lastAt = at;
        return;
      }
      case 'spectrum':
      case 'landscape':
        this.lastAt = at;
        return;
      case 'metrics':
        this.endAnalysis(at);
        if (this.lastAt !== null) {
          this.trainMs += at - this.lastAt;
          if (e.scope === 'step') this.stepsTimed += Math.max(0, e.step - this.stepsDone);
        }
        this.stepsDone = Math.max(this.stepsDone, e.step);
        this.phase = e.scope === 'epoch' ? `evaluated epoch ${e.epoch}/${this.config.epochs}` : this.trainingPhase();
        this.lastAt = at;
        return;
      case 'checkpoint':
        this.endAnalysis(at);
        if (this.lastAt !== null) this.trainMs += at - this.lastAt;
        this.lastAt = at;
        return;
      case 'done':
      case 'stopped':
      case 'failed':
        this.endAnalysis(at);
        this.phase = null;
        return;
      default:
        return;
    }
  }

  private trainingPhase(): string {
    const spe = this.stepsPerEpoch ?? 0;
    const epoch = spe > 0 ? Math.min(this.config.epochs, Math.floor(this.stepsDone / spe) + 1) : 1;
    return `training · epoch ${epoch}/${this.config.epochs}`;
  }

  private endAnalysis(at: number): void {
    if (!this.current) return;
    this.analysisMs.push(at - this.current.startedAt);
    this.analysesLeft = Math.max(0, this.analysesLeft - 1);
    this.current = null;
  }

  /** Time one analysis takes: measured, else read off the one in progress, else a prior. */
  private analysisEstimate(stepMs: number): number {
    if (this.analysisMs.length) return this.analysisMs.reduce((a, b) => a + b, 0) / this.analysisMs.length;
    // The pace of the analysis in progress beats the prior as soon as it says anything.
    const elapsed = this.current ? this.now - this.current.startedAt : 0;
    if (this.current && (this.current.fraction >= 0.02 || (this.current.fraction > 0 && elapsed >= 2000))) return elapsed / this.current.fraction;
    const h = this.config.hessian;
    if (!h) return 0;
    // Prior: an exact Hessian-vector product costs about two gradients on the Hessian batch; a
    // training step costs one gradient (SGD) or two (SAM) on the training batch.
    const hvps = h.maxIterations + (h.trace ? 20 : 0) + (h.density ? 2 * Math.min(h.maxIterations, 50) : 0);
    const gradientsPerStep = this.config.sam ? 2 : 1;
    const perHvp = (2 * stepMs * h.batchSize) / (this.config.batchSize * gradientsPerStep);
    return hvps * perHvp * (h.landscape ? 1.5 : 1);
  }

  state(): ProgressState {
    const total = this.totalSteps;
    if (total === null || total === 0) return { progress: 0, etaMs: null, phase: this.phase };
    const stepMs = this.stepsTimed > 0 ? this.trainMs / this.stepsTimed : null;
    if (stepMs === null) return { progress: Math.min(0.99, this.stepsDone / total), etaMs: null, phase: this.phase };
    const perAnalysis = this.analysisEstimate(stepMs);
    const inCurrent = this.current ? Math.max(0, perAnalysis - (this.now - this.current.startedAt)) : 0;
    const queued = Math.max(0, this.analysesLeft - (this.current ? 1 : 0));
    const remaining = (total - this.stepsDone) * stepMs + queued * perAnalysis + inCurrent;
    const whole = total * stepMs + this.allAnalyses * perAnalysis;
    // Only the `done` event makes a run 100 %.
    const progress = whole > 0 ? Math.min(0.999, Math.max(0, 1 - remaining / whole)) : 0;
    return { progress, etaMs: Math.round(remaining), phase: this.phase };
  }
}

/**
 * The tracks of the runs this process ingests events for. Events are timed by when they arrived
 * (`at`, stamped by the IngestBuffer); events stored without it (a replay, an import) are timed
 * by the trainer's own clock, the metrics' timeMs.
 */
export class ProgressBook {
  private readonly tracks = new Map<number, RunTrack>();
  private readonly trainerClock = new Map<number, number>();

  observe(runId: number, config: () => RunConfig | null, e: TrainerEvent, at?: number): void {
    let t = this.tracks.get(runId);
    if (!t || e.event === 'started') {
      const c = e.event === 'started' ? e.config : config();
      // No such run: nothing to track (the store refuses the rows themselves).
      if (!c) return;
      t = new RunTrack(c);
      this.tracks.set(runId, t);
    }
    let when = at;
    if (when === undefined) {
      // A (resumed) trainer's clock starts at 0 with its `started` event.
      if (e.event === 'started') this.trainerClock.set(runId, 0);
      if (e.event === 'metrics') this.trainerClock.set(runId, e.timeMs);
      when = this.trainerClock.get(runId) ?? 0;
    }
    t.observe(e, when);
    if (e.event === 'done' || e.event === 'stopped' || e.event === 'failed') {
      this.tracks.delete(runId);
      this.trainerClock.delete(runId);
    }
  }

  state(runId: number): ProgressState | null {
    return this.tracks.get(runId)?.state() ?? null;
  }
}
