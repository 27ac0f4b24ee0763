// The training loop: config in, typed events out (DESIGN.md "The engine"). It never throws —
// every failure (bad config, bad data, NaN loss) ends in exactly one `failed` event — and it
// syncs with the device only every `logEvery` steps, at epoch ends, and for checkpoints.
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type { RunConfig } from '../shared/config';
import type { DoneEvent, FailedEvent, FinalMetrics, StoppedEvent, TrainerEvent } from '../shared/events';
import { initBackend } from './backend';
import { assignModelState, disposeContents, loadCheckpoint, saveCheckpoint, type LoopPosition } from './checkpoint';
import { iterateBatches } from './data/batches';
import { loadDataset } from './data/index';
import type { Dataset } from './data/types';
import { evaluateSplit, type SplitScore } from './evaluate';
import { MetricsAccumulator, type WindowTotals } from './metrics-accumulator';
import { buildStartModel } from './start-weights';
import { checkProbe, measureAtEnd } from './train-probe';
import { createStepper } from './optim/index';
import { type DataParallel, startDataParallel } from './parallel/data-parallel';
import { planParallel } from './parallel/plan';
import { learningRateAt, learningRateRange } from './optim/schedule';
import { Rng } from './rng';
import { analysisDue, runAnalysis } from './train-analysis';
import type { EngineModel } from './types';

export interface TrainOptions {
  runId: number | null;
  /** Checkpoints go here. */
  workDir: string;
  /** A checkpoint file to continue from (step count, epoch, lr schedule, optimizer state). */
  resumeFrom?: string | null;
  emit: (e: TrainerEvent) => void;
  /** Abort = stop at the next step boundary, checkpoint, emit `stopped`. */
  signal?: AbortSignal;
}

export type TerminalEvent = DoneEvent | StoppedEvent | FailedEvent;

type Stepper = ReturnType<typeof createStepper>; // = optim's Stepper

/** Salt of each epoch's shuffle/augmentation stream: epoch e always sees the same order. */
const SHUFFLE_SALT = 0x5f00;
export function epochRng(seed: number, epoch: number): Rng {
  return new Rng(seed).fork(SHUFFLE_SALT + epoch);
}

/** Train `config`; resolves with (and emits) exactly one terminal event. */
export async function train(config: RunConfig, opts: TrainOptions): Promise<TerminalEvent> {
  const run = new TrainingRun(config, opts);
  let result: TerminalEvent;
  try {
    result = await run.execute();
  } catch (e) {
    result = { event: 'failed', runId: opts.runId, reason: errorMessage(e), step: e instanceof RunFailure ? e.step : run.stepOrNull() };
  } finally {
    run.dispose();
  }
  safeEmit(opts.emit, result);
  return result;
}

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function safeEmit(emit: (e: TrainerEvent) => void, e: TrainerEvent): void {
  try {
    emit(e);
  } catch {
    // A consumer's bug must not turn into a hung or half-finished run.
  }
}

/** Thrown inside the loop to end the run as `failed` with a plain-words reason. */
class RunFailure extends Error {
  constructor(
    message: string,
    readonly step: number,
  ) {
    super(message);
  }
}

class TrainingRun {
  private readonly t0 = performance.now();
  private model: EngineModel | null = null;
  private stepper: Stepper | null = null;
  private ranks: DataParallel | null = null;
  private readonly acc = new MetricsAccumulator();
  private pos: LoopPosition = { epoch: 0, stepInEpoch: 0, step: 0 };
  private started = false;
  /** Training totals of the epoch in progress (CPU numbers, from window reads). */
  private epochTotals = { examples: 0, lossSum: 0, correctSum: 0 };
  private windowStart = performance.now();
  private lastLr = 0;
  private last: { train?: SplitScore; test?: SplitScore; val?: SplitScore; sharpness?: number; lambdaMax?: number; probe?: Record<string, number> } = {};

  constructor(
    private readonly config: RunConfig,
    private readonly opts: TrainOptions,
  ) {}

  stepOrNull(): number | null {
    return this.started ? this.pos.step : null;
  }

  private emit(e: TrainerEvent): void {
    safeEmit(this.opts.emit, e);
  }

  private elapsed(): number {
    return Math.round(performance.now() - this.t0);
  }

  async execute(): Promise<TerminalEvent> {
    const { config, opts } = this;
    // Data-parallel ranks each compute on one wasm thread; otherwise the pool takes the threads.
    const plan = planParallel(config);
    const backend = await initBackend(config.backend, { threads: plan.ranks > 1 ? 1 : config.threads });
    const data = await loadDataset(config.data, {
      seed: config.seed,
      onProgress: (p) => this.emit({ event: 'progress', runId: opts.runId, phase: p.phase, done: p.done, total: p.total, message: p.message }),
    });
    this.emit({ event: 'log', runId: opts.runId, level: 'info', message: `data: ${data.name} from ${data.source} (${data.train.n} train, ${data.validation?.n ?? 0} validation, ${data.test.n} test)` });
    checkProbe(config.mSharpness, data);
    // A resumed run's own checkpoint holds every weight: the fine-tuning source is read only at the start.
    const model: EngineModel = await buildStartModel(config, data, { applyInit: !opts.resumeFrom });
    this.model = model;
    if (backend.name === 'wasm') {
      if (plan.ranks > 1) {
        this.ranks = await startDataParallel({ model, config: config.model, ranks: plan.ranks, maxRows: config.batchSize });
        // The run computes on `ranks` threads: one per rank.
        backend.details.threads = plan.ranks;
        backend.details.dataParallelRanks = plan.ranks;
      }
      this.emit({ event: 'log', runId: opts.runId, level: 'info', message: `wasm: ${plan.note}` });
    }
    this.stepper = createStepper(model, {
      optimizer: config.optimizer,
      sam: config.sam,
      seed: config.seed,
      lrRange: learningRateRange(config),
      ...(this.ranks ? { pass: this.ranks.pass } : {}),
    });
    if (opts.resumeFrom) await this.restore(opts.resumeFrom);
    const dropLast = data.train.n >= config.batchSize;
    const stepsPerEpoch = dropLast ? Math.floor(data.train.n / config.batchSize) : Math.ceil(data.train.n / config.batchSize);
    if (stepsPerEpoch === 0) throw new Error(`data: the training split is empty; check data.limit and data.validationSplit`);
    this.started = true;
    this.emit({
      event: 'started',
      runId: opts.runId,
      backend,
      paramCount: model.paramCount,
      trainExamples: data.train.n,
      testExamples: data.test.n,
      stepsPerEpoch,
      resumedFromStep: opts.resumeFrom ? this.pos.step : null,
      config,
    });

    while (this.pos.epoch < config.epochs) {
      const finished = await this.runEpoch(data, stepsPerEpoch, dropLast);
      if (!finished) return this.stop(stepsPerEpoch);
      await this.endOfEpoch(data, stepsPerEpoch);
    }
    if (!this.last.test) this.last.test = await evaluateSplit(model, data.test, config.batchSize);
    if (config.mSharpness && !this.last.probe) {
      const probe = await measureAtEnd(config.mSharpness, config.batchSize, config.seed, model, data);
      this.last.probe = probe.metrics;
      this.emit({ event: 'log', runId: opts.runId, level: 'info', message: probe.summary });
    }
    return this.doneEvent(backend.name);
  }

  /** One pass over the shuffled training split; false when a stop was requested. */
  private async runEpoch(data: Dataset, stepsPerEpoch: number, dropLast: boolean): Promise<boolean> {
    const { config } = this;
    const model = this.model as EngineModel;
    const stepper = this.stepper as Stepper;
    const batches = iterateBatches(data.train, data.inputShape, {
      batchSize: config.batchSize,
      shuffle: true,
      rng: epochRng(config.seed, this.pos.epoch),
      augment: config.data.augment,
      dropLast,
    });
    // Resuming mid-epoch: rebuild this epoch's order and skip the batches already trained on
    // (consuming them keeps the augmentation stream where it was).
    let skip = this.pos.stepInEpoch;
    this.windowStart = performance.now();
    for (const b of batches) {
      if (skip > 0) {
        skip--;
        continue;
      }
      if (this.opts.signal?.aborted) return false;
      // The lr of the step about to be taken, t = epoch·S + stepInEpoch counted from 0 (schedule.ts):
      // the first step of a run gets lr(0), the last one lr(epochs·S − 1).
      const lr = learningRateAt(config, this.pos.epoch * stepsPerEpoch + this.pos.stepInEpoch, stepsPerEpoch);
      // Not inside tf.tidy: the stepper keeps its own state tensors across steps.
      const x = tf.tensor(b.x, [b.size, ...model.inputShape]);
      const y = tf.tensor1d(b.y, 'int32');
      let out: ReturnType<Stepper['step']>;
      try {
        out = stepper.step(x, y, lr);
      } finally {
        x.dispose();
        y.dispose();
      }
      this.lastLr = lr;
      this.pos.step++;
      this.pos.stepInEpoch++;
      this.acc.add(out, b.size, this.pos.step);
      if (this.acc.pendingSteps >= config.logEvery) await this.flushStepMetrics(stepsPerEpoch, lr);
      // Give the event loop a turn (a macrotask, not just a microtask) after every step: stop
      // requests, IPC messages, heartbeats and signals are only delivered there, so this is what
      // makes "stop at the next step boundary" true. Costs microseconds, no device sync.
      await yieldToEventLoop();
    }
    if (this.acc.pendingSteps > 0) await this.flushStepMetrics(stepsPerEpoch, this.lastLr);
    return true;
  }

  /** Read the device-side window (one sync), check for divergence, emit a step metrics event. */
  private async flushStepMetrics(stepsPerEpoch: number, lr: number): Promise<void> {
    const w: WindowTotals = await this.acc.read();
    const seconds = (performance.now() - this.windowStart) / 1000;
    this.windowStart = performance.now();
    if (w.firstNonFiniteStep !== null || !Number.isFinite(w.lossSum)) {
      const at = w.firstNonFiniteStep ?? this.pos.step;
      throw new RunFailure(`loss became NaN at step ${at} (the run diverged; lower optimizer.lr or set optimizer.gradClip)`, at);
    }
    this.epochTotals.examples += w.examples;
    this.epochTotals.lossSum += w.lossSum;
    this.epochTotals.correctSum += w.correctSum;
    const values: Record<string, number> = {
      trainLoss: w.lossSum / w.examples,
      trainAccuracy: w.correctSum / w.examples,
      lr,
      gradNorm: w.gradNormSum / w.steps,
      examplesPerSec: seconds > 0 ? w.examples / seconds : 0,
    };
    // A step's cost in forward-backward passes (and forward-only ones, ESAM's) over the whole batch.
    values.passesPerStep = w.passesSum / w.steps;
    if (w.forwardPassesSum > 0) values.forwardPassesPerStep = w.forwardPassesSum / w.steps;
    // ‖ε̂‖ and sharpness exist on two-pass steps only (LookSAM takes one pass between its SAM steps).
    if (w.epsNormSum !== null) values.epsNorm = w.epsNormSum / w.perturbedSteps;
    if (w.sharpnessSum !== null) {
      values.sharpness = w.sharpnessSum / w.perturbedSteps;
      this.last.sharpness = values.sharpness;
    }
    this.emit({
      event: 'metrics',
      runId: this.opts.runId,
      scope: 'step',
      step: this.pos.step,
      epoch: this.pos.epoch + this.pos.stepInEpoch / stepsPerEpoch,
      timeMs: this.elapsed(),
      values,
    });
  }

  /** Evaluate, maybe analyse the Hessian, maybe checkpoint; then move to the next epoch. */
  private async endOfEpoch(data: Dataset, stepsPerEpoch: number): Promise<void> {
    const { config, opts } = this;
    const model = this.model as EngineModel;
    const t = this.epochTotals;
    this.last.train = t.examples > 0 ? { loss: t.lossSum / t.examples, accuracy: t.correctSum / t.examples } : this.last.train;
    this.last.test = await evaluateSplit(model, data.test, config.batchSize);
    if (data.validation && data.validation.n > 0) this.last.val = await evaluateSplit(model, data.validation, config.batchSize);
    if (!Number.isFinite(this.last.test.loss)) throw new RunFailure(`loss became NaN at step ${this.pos.step} (test loss is not finite; the run diverged)`, this.pos.step);
    const epochsDone = this.pos.epoch + 1;
    const values: Record<string, number> = { testLoss: this.last.test.loss, testAccuracy: this.last.test.accuracy, lr: this.lastLr };
    if (this.last.train) Object.assign(values, { trainLoss: this.last.train.loss, trainAccuracy: this.last.train.accuracy });
    if (this.last.val) Object.assign(values, { valLoss: this.last.val.loss, valAccuracy: this.last.val.accuracy });
    if (this.last.sharpness !== undefined) values.sharpness = this.last.sharpness;
    this.emit({ event: 'metrics', runId: opts.runId, scope: 'epoch', step: this.pos.step, epoch: epochsDone, timeMs: this.elapsed(), values });

    this.pos = { epoch: epochsDone, stepInEpoch: 0, step: this.pos.step };
    this.epochTotals = { examples: 0, lossSum: 0, correctSum: 0 };
    if (analysisDue(config.hessian, epochsDone, config.epochs)) {
      try {
        const r = await runAnalysis({
          config,
          model,
          train: data.train,
          runId: opts.runId,
          epoch: epochsDone,
          step: this.pos.step,
          epsDirection: (this.stepper as Stepper).lastEpsilon(),
          weightDecay: (this.stepper as Stepper).lossWeightDecay,
          emit: (e) => this.emit(e),
          signal: opts.signal,
        });
        if (r.lambdaMax !== null) this.last.lambdaMax = r.lambdaMax;
      } catch (e) {
        // A stop request cancels the analysis; the loop stops at its next step boundary.
        if (!opts.signal?.aborted) throw e;
        this.emit({ event: 'log', runId: opts.runId, level: 'info', message: `Hessian analysis at epoch ${epochsDone} cancelled by the stop request` });
      }
    }
    if (epochsDone % config.checkpointEvery === 0 || epochsDone === config.epochs) await this.checkpoint(stepsPerEpoch);
  }

  private async checkpoint(stepsPerEpoch: number): Promise<string> {
    const model = this.model as EngineModel;
    const path = join(this.opts.workDir, `checkpoint-step${String(this.pos.step).padStart(7, '0')}.ckpt`);
    const optimizer = (this.stepper as Stepper).getState();
    try {
      await saveCheckpoint(
        path,
        { ...this.pos, seed: this.config.seed, extra: { epochTotals: this.epochTotals, last: this.last } },
        { params: model.params, state: model.state, optimizer },
      );
    } finally {
      Object.values(optimizer).forEach((t) => t.dispose());
    }
    const epoch = this.pos.epoch + this.pos.stepInEpoch / stepsPerEpoch;
    this.emit({ event: 'checkpoint', runId: this.opts.runId, epoch, step: this.pos.step, path });
    return path;
  }

  private async restore(path: string): Promise<void> {
    const model = this.model as EngineModel;
    const ck = await loadCheckpoint(path);
    try {
      if (ck.meta.seed !== this.config.seed) {
        this.emit({ event: 'log', runId: this.opts.runId, level: 'warn', message: `checkpoint ${path} was written with seed ${ck.meta.seed}, this config has seed ${this.config.seed}: the data order after resuming will differ` });
      }
      assignModelState(path, model, ck.contents);
      (this.stepper as Stepper).setState(ck.contents.optimizer);
    } finally {
      disposeContents({ params: [], state: [], optimizer: ck.contents.optimizer });
    }
    this.pos = { epoch: ck.meta.epoch, stepInEpoch: ck.meta.stepInEpoch, step: ck.meta.step };
    const extra = ck.meta.extra as { epochTotals?: TrainingRun['epochTotals']; last?: TrainingRun['last'] };
    if (extra.epochTotals) this.epochTotals = extra.epochTotals;
    if (extra.last) this.last = extra.last;
    this.emit({ event: 'log', runId: this.opts.runId, level: 'info', message: `resumed from ${path} at epoch ${this.pos.epoch}, step ${this.pos.step}` });
  }

  /** Stop requested: checkpoint where we are so the run can resume exactly here. */
  private async stop(stepsPerEpoch: number): Promise<StoppedEvent> {
    // Fold the unread window into the epoch totals first, so the checkpoint carries them.
    if (this.acc.pendingSteps > 0) await this.flushStepMetrics(stepsPerEpoch, this.lastLr);
    const path = await this.checkpoint(stepsPerEpoch);
    return { event: 'stopped', runId: this.opts.runId, step: this.pos.step, checkpoint: path };
  }

  private doneEvent(backend: DoneEvent['backend']): DoneEvent {
    const l = this.last;
    const metrics: FinalMetrics = {
      testAccuracy: l.test?.accuracy ?? Number.NaN,
      testLoss: l.test?.loss ?? Number.NaN,
      trainLoss: l.train?.loss ?? Number.NaN,
      trainAccuracy: l.train?.accuracy ?? Number.NaN,
    };
    if (l.val) Object.assign(metrics, { valAccuracy: l.val.accuracy, valLoss: l.val.loss });
    if (l.sharpness !== undefined) metrics.sharpness = l.sharpness;
    if (l.lambdaMax !== undefined) metrics.lambdaMax = l.lambdaMax;
    if (l.probe) Object.assign(metrics, l.probe);
    return { event: 'done', runId: this.opts.runId, backend, metrics, epochs: this.pos.epoch, steps: this.pos.step, elapsedMs: this.elapsed() };
  }

  dispose(): void {
    this.acc.dispose();
    this.stepper?.dispose();
    this.ranks?.dispose();
    this.model?.dispose();
    this.stepper = null;
    this.ranks = null;
    this.model = null;
  }
}
