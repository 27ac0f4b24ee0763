// One full training update per call: the base optimizer alone, or a SAM variant around it. The
// one generic loop: each chunk takes a first pass at w; a two-pass step then climbs to w + ε̂
// (what the variant perturbs), optionally keeps only some rows (ESAM), takes the second pass and
// returns to w; the variant combines the passes' gradients; the base optimizer steps. The maths
// of each variant lives in its own module (./variants/). No dataSync/arraySync anywhere: every
// result stays on the device until the loop reads it.
import * as tf from '@tensorflow/tfjs-core';
import type { OptimizerConfig, SamConfig } from '../../shared/config';
import { exampleLosses } from '../loss';
import type { EngineModel } from '../types';
import { makeBaseOptimizer } from './base';
import { type ChunkSums, addSums, disposeSums, meanOfSums } from './chunks';
import { clipByGlobalNorm, globalNorm } from './clip';
import { type PassFn, type PassResult, gradientPass as localPass } from './pass';
import { firstStep, secondStep } from './sam';
import { dropoutKey, variantSeed } from './step-seeds';
import { StepperState, swapState } from './stepper-state';
import { type Combined, type FirstPass, type SamVariant, makeSamVariant } from './variants/index';
import { decayMask } from './weight-decay';

/** Forward-backward and forward-only passes of one step, in units of the whole batch. */
export interface StepCost {
  /** 1 for the base optimizer and LookSAM's in-between steps, 2 for SAM, 1 + γ for ESAM. */
  forwardBackward: number;
  /** Passes without a backward (ESAM's ranking of the batch at w + ε̂). */
  forward: number;
}

/** Scalars of one step; the caller reads them (in bulk, later) and disposes them. */
export interface StepTensors {
  /** L(w), the data loss on the batch (first pass), mean over the batch. */
  loss: tf.Scalar;
  /** Correctly classified examples in the batch (int32), from the first pass. */
  correct: tf.Scalar;
  /** ‖g‖₂ of the first-pass gradient (including the L2 term when weight decay lives in the loss). */
  gradNorm: tf.Scalar;
  /** ‖ε̂‖₂ (mean over m-sharpness chunks); null without SAM and on one-pass steps. */
  epsNorm: tf.Scalar | null;
  /** L(w + ε̂) on the batch (mean over chunks); sharpness = perturbedLoss − loss. null as epsNorm. */
  perturbedLoss: tf.Scalar | null;
  /** What the step cost (plain numbers, known without reading the device). */
  passes: StepCost;
}

export interface StepperConfig {
  optimizer: OptimizerConfig;
  sam: SamConfig | null;
  /** Run seed: with the step count it keys each step's dropout masks and ESAM's draws (default 0). */
  seed?: number;
  /** Lowest and highest lr of the schedule: GSAM's ρ_t follows the lr between them (default: optimizer.lr, a constant ρ). */
  lrRange?: { min: number; max: number };
  /** Who takes the forward-backward passes (default gradientPass, on this thread). */
  pass?: PassFn;
}

export interface Stepper {
  /** 'sgd', 'adamw', 'sam(sgd-nesterov)', 'gsam(sgd)', … */
  readonly name: string;
  /** The L2 coefficient inside the loss (0 if the base optimizer decays): Hessian closures should use it. */
  readonly lossWeightDecay: number;
  step(x: tf.Tensor, y: tf.Tensor, lr: number): StepTensors;
  /** ε̂ of the last two-pass step (first chunk under m-sharpness); owned by the stepper, do not dispose. */
  lastEpsilon(): tf.Tensor[] | null;
  /** Clones of the named optimizer state (base optimizer, SAM variant, step count); the caller disposes them. */
  getState(): Record<string, tf.Tensor>;
  /** Replace the optimizer state (the stepper clones what it keeps; the caller still owns the input). */
  setState(state: Record<string, tf.Tensor>): void;
  dispose(): void;
}

/** A chunk's passes, inside the step's tf.tidy. */
interface ChunkRun {
  first: PassResult;
  gNorm: tf.Scalar;
  eps: tf.Tensor[] | null;
  epsNorm: tf.Scalar | null;
  perturbedLoss: tf.Scalar | null;
  combined: Combined;
  /** Examples through forward-backward and forward-only passes. */
  rows: { fb: number; f: number };
}

export function createStepper(model: EngineModel, cfg: StepperConfig): Stepper {
  const params = model.params;
  if (params.length === 0) throw new Error(`createStepper: model "${model.kind}" has no trainable parameters`);
  const mask = decayMask(params, cfg.optimizer.weightDecayParams);
  const { optimizer: base, lossWeightDecay } = makeBaseOptimizer(cfg.optimizer, mask);
  const lr0 = cfg.optimizer.lr;
  const variant: SamVariant | null = cfg.sam ? makeSamVariant(cfg.sam, { model, lrRange: cfg.lrRange ?? { min: lr0, max: lr0 } }) : null;
  const seed = cfg.seed ?? 0;
  const st = new StepperState(base.init(params), variant?.init(params) ?? {}, variant?.name ?? null, base.name);
  const passOpts = { weightDecay: lossWeightDecay, decayMask: mask };
  const gradientPass: PassFn = cfg.pass ?? localPass;
  let eps: tf.Tensor[] | null = null;
  let lrT: tf.Scalar | null = null;
  let lrValue = NaN;

  function lrScalar(lr: number): tf.Scalar {
    if (!Number.isFinite(lr) || lr < 0) throw new Error(`Stepper.step: learning rate must be a finite number ≥ 0, got ${lr}`);
    if (lrT === null || lr !== lrValue) {
      lrT?.dispose();
      lrT = tf.keep(tf.scalar(lr));
      lrValue = lr;
    }
    return lrT;
  }

  /** Clip, step the base optimizer, assign in place, keep the new state. `norm` = ‖grads‖ if known. */
  function applyBase(grads: readonly tf.Tensor[], lr: tf.Scalar, norm: tf.Scalar | null): void {
    // Clipping before SAM's first step would do nothing (ε̂ is normalised), so it is applied here.
    const g = cfg.optimizer.gradClip !== null ? clipByGlobalNorm(grads, cfg.optimizer.gradClip, norm ?? undefined) : grads;
    const out = base.update(g, st.base, params, lr);
    params.forEach((p, i) => p.assign(tf.add(p, out.updates[i])));
    st.base = swapState(st.base, out.state);
  }

  /**
   * Chunk `chunk` of the step (the whole batch unless m-sharpness splits it). Every pass replays
   * the chunk's dropout key (the SAM paper's JAX code feeds both passes one key), so ε̂ and the
   * step see the same sub-network. Batch-norm statistics move in the first pass only.
   */
  function runChunk(x: tf.Tensor, y: tf.Tensor1D, lr: number, chunk: number): ChunkRun {
    const info = { t: st.t, lr, seed: variantSeed(seed, st.t, chunk) };
    const replayKey = () => model.reseed?.(dropoutKey(seed, st.t, chunk));
    const twoPass = variant !== null && variant.passes(info) === 2;
    replayKey();
    const first = gradientPass(model, x, y, { ...passOpts, updateState: true, wantCorrect: true, wantExampleLosses: twoPass && !!variant?.select });
    const gNorm = globalNorm(first.grads);
    const fp: FirstPass = { g: first.grads, gNorm, params, state: st.variant, info };
    const n = x.shape[0];
    if (!variant || !twoPass) {
      const combined = variant ? variant.combine(fp, null) : { grads: first.grads, state: st.variant };
      return { first, gNorm, eps: null, epsNorm: null, perturbedLoss: null, combined, rows: { fb: n, f: 0 } };
    }
    const p = variant.perturb(fp);
    const saved = firstStep(params, p.eps); // climb to w + ε̂
    let second: PassResult;
    let perturbedLoss: tf.Scalar | null = null;
    const rows = { fb: n, f: 0 };
    try {
      let [xs, ys] = [x, y];
      if (variant.select && first.exampleLosses) {
        // ESAM: rank the chunk's examples by how much ε̂ raised their loss (a forward pass only).
        replayKey();
        const after = exampleLosses(model.apply(x, { training: true, updateState: false }), y);
        perturbedLoss = tf.mean(after) as tf.Scalar;
        rows.f += n;
        const picked = variant.select(first.exampleLosses, after);
        [xs, ys] = [tf.gather(x, picked), tf.gather(y, picked) as tf.Tensor1D];
      }
      replayKey();
      second = gradientPass(model, xs, ys, { ...passOpts, updateState: false, wantCorrect: false });
      rows.fb += xs.shape[0];
    } finally {
      secondStep(params, saved); // back to w, even if a pass threw
    }
    const combined = variant.combine(fp, second.grads);
    return { first, gNorm, eps: p.eps, epsNorm: p.epsNorm, perturbedLoss: perturbedLoss ?? second.loss, combined, rows };
  }

  function keepEpsilon(e: tf.Tensor[] | null): void {
    if (!e) return;
    eps?.forEach((t) => t.dispose());
    eps = e.map((t) => tf.keep(t));
  }

  /** The step as one chunk. */
  function wholeStep(x: tf.Tensor, y: tf.Tensor1D, lr: number, lrS: tf.Scalar): StepTensors {
    let rows = { fb: 0, f: 0 };
    const [loss, correct, gradNorm, epsNorm = null, perturbedLoss = null] = tf.tidy(() => {
      const c = runChunk(x, y, lr, 0);
      // The base optimizer alone (combined = g) may reuse ‖g‖ for clipping.
      applyBase(c.combined.grads, lrS, c.combined.grads === c.first.grads ? c.gNorm : null);
      st.variant = swapState(st.variant, c.combined.state);
      keepEpsilon(c.eps);
      rows = c.rows;
      const perturbed = c.epsNorm && c.perturbedLoss ? [c.epsNorm, c.perturbedLoss] : [];
      return [c.first.loss, c.first.correct as tf.Scalar, c.gNorm, ...perturbed];
    });
    return { loss, correct, gradNorm, epsNorm, perturbedLoss, passes: cost(rows, x.shape[0]) };
  }

  /**
   * m-sharpness (Foret et al. 2021, §4.1): each chunk of m examples gets its own ε̂ from its own
   * gradient; the chunks' combined gradients are averaged. Batch-norm statistics: every chunk's
   * first pass starts from the same running statistics and the results are averaged — what the
   * paper's per-device JAX code does (pmean of the batch stats across devices).
   */
  function chunkedStep(x: tf.Tensor, y: tf.Tensor1D, lr: number, lrS: tf.Scalar, k: number): StepTensors {
    const stateVars = model.state;
    const rows = { fb: 0, f: 0 };
    const r = tf.tidy(() => {
      const xs = tf.split(x, k, 0);
      const ys = tf.split(y, k, 0) as tf.Tensor1D[];
      const s0 = stateVars.map((v) => tf.clone(v));
      let acc: ChunkSums | null = null;
      for (let i = 0; i < k; i++) {
        if (i > 0) stateVars.forEach((v, j) => v.assign(s0[j]));
        const prev: ChunkSums | null = acc;
        const next: ChunkSums = tf.tidy(() => {
          const c = runChunk(xs[i], ys[i], lr, i);
          if (!c.epsNorm || !c.perturbedLoss) throw new Error('m-sharpness needs a two-pass step in every chunk');
          if (i === 0) keepEpsilon(c.eps);
          rows.fb += c.rows.fb;
          rows.f += c.rows.f;
          const cur: ChunkSums = {
            g: c.first.grads,
            dir: [...c.combined.grads],
            loss: c.first.loss,
            perturbedLoss: c.perturbedLoss,
            epsNorm: c.epsNorm,
            correct: c.first.correct as tf.Scalar,
            st: stateVars.map((v) => tf.clone(v)),
          };
          return prev ? addSums(prev, cur) : cur;
        });
        if (prev) disposeSums(prev);
        acc = next;
      }
      const a = meanOfSums(acc as unknown as ChunkSums, k);
      stateVars.forEach((v, j) => v.assign(a.st[j]));
      applyBase(a.dir, lrS, null);
      return [a.loss, a.correct, globalNorm(a.g), a.epsNorm, a.perturbedLoss];
    });
    const [loss, correct, gradNorm, epsNorm, perturbedLoss] = r;
    return { loss, correct, gradNorm, epsNorm, perturbedLoss, passes: cost(rows, x.shape[0]) };
  }

  function chunksOf(batch: number): number {
    const m = cfg.sam?.m ?? batch;
    if (batch % m !== 0) {
      throw new Error(
        `sam.m = ${m} does not divide this batch of ${batch} examples; m-sharpness needs equal chunks — ` +
          `use a batchSize that is a multiple of sam.m and drop the last partial batch`,
      );
    }
    const k = batch / m;
    if (k > 1 && variant && !variant.chunkable) {
      throw new Error(`sam.m (m-sharpness) does not combine with sam.variant "${variant.name}": its state spans steps of the whole batch; leave sam.m empty`);
    }
    return k;
  }

  return {
    name: variant ? `${variant.name}(${base.name})` : base.name,
    lossWeightDecay,
    step(x, y, lr) {
      if (x.shape[0] !== y.shape[0]) {
        throw new Error(`Stepper.step: ${x.shape[0]} inputs but ${y.shape[0]} labels; give one int32 label per example`);
      }
      const lrS = lrScalar(lr);
      const k = chunksOf(x.shape[0]);
      const out = k === 1 ? wholeStep(x, y as tf.Tensor1D, lr, lrS) : chunkedStep(x, y as tf.Tensor1D, lr, lrS, k);
      st.t++;
      return out;
    },
    lastEpsilon: () => eps,
    getState: () => st.snapshot(),
    setState: (next) => st.restore(next),
    dispose() {
      st.dispose();
      eps?.forEach((t) => t.dispose());
      eps = null;
      lrT?.dispose();
      lrT = null;
    },
  };
}

function cost(rows: { fb: number; f: number }, batch: number): StepCost {
  return { forwardBackward: rows.fb / batch, forward: rows.f / batch };
}
