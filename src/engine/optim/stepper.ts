// One full training update per call: the base optimizer alone, or SAM around it.
// No dataSync/arraySync anywhere: every result stays on the device until the loop reads it.
import * as tf from '@tensorflow/tfjs-core';
import type { OptimizerConfig, SamConfig } from '../../shared/config';
import type { EngineModel } from '../types';
import { makeBaseOptimizer } from './base';
import { clipByGlobalNorm, globalNorm } from './clip';
import { gradientPass } from './pass';
import { checkSamOptions, firstStep, samPerturbation, secondStep } from './sam';
import type { OptState } from './types';
import { decayMask } from './weight-decay';

/** Scalars of one step; the caller reads them (in bulk, later) and disposes them. */
export interface StepTensors {
  /** L(w), the data loss on the batch (first pass), mean over the batch. */
  loss: tf.Scalar;
  /** Correctly classified examples in the batch (int32), from the first pass. */
  correct: tf.Scalar;
  /** ‖g‖₂ of the first-pass gradient (including the L2 term when weight decay lives in the loss). */
  gradNorm: tf.Scalar;
  /** ‖ε̂‖₂ (mean over m-sharpness chunks); null without SAM. */
  epsNorm: tf.Scalar | null;
  /** L(w + ε̂) on the batch (mean over chunks); sharpness = perturbedLoss − loss. null without SAM. */
  perturbedLoss: tf.Scalar | null;
}

export interface StepperConfig {
  optimizer: OptimizerConfig;
  sam: SamConfig | null;
  /** Unused today (every step is deterministic); kept so a stochastic variant needs no API change. */
  seed?: number;
}

export interface Stepper {
  /** 'sgd', 'adamw', 'sam(sgd-nesterov)', … */
  readonly name: string;
  /** The L2 coefficient inside the loss (0 if the base optimizer decays): Hessian closures should use it. */
  readonly lossWeightDecay: number;
  step(x: tf.Tensor, y: tf.Tensor, lr: number): StepTensors;
  /** ε̂ of the last SAM step (first chunk under m-sharpness); owned by the stepper, do not dispose. */
  lastEpsilon(): tf.Tensor[] | null;
  /** Clones of the named optimizer state; the caller disposes them. */
  getState(): Record<string, tf.Tensor>;
  /** Replace the optimizer state (the stepper clones what it keeps; the caller still owns the input). */
  setState(state: Record<string, tf.Tensor>): void;
  dispose(): void;
}

export function createStepper(model: EngineModel, cfg: StepperConfig): Stepper {
  const params = model.params;
  if (params.length === 0) throw new Error(`createStepper: model "${model.kind}" has no trainable parameters`);
  const sam = cfg.sam;
  if (sam) checkSamOptions(sam);
  const mask = decayMask(params, cfg.optimizer.weightDecayParams);
  const { optimizer: base, lossWeightDecay } = makeBaseOptimizer(cfg.optimizer, mask);
  const clip = cfg.optimizer.gradClip;
  let state: OptState = base.init(params);
  let eps: tf.Tensor[] | null = null;
  let lrT: tf.Scalar | null = null;
  let lrValue = NaN;

  const passOpts = { weightDecay: lossWeightDecay, decayMask: mask };

  /** Clip (second-pass gradient under SAM), step the base optimizer, assign in place, swap state. */
  function applyBase(grads: tf.Tensor[], lr: tf.Scalar, norm: tf.Scalar | null): void {
    // Clipping before SAM's first step would do nothing (ε̂ is normalised), so it is applied here.
    const g = clip !== null ? clipByGlobalNorm(grads, clip, norm ?? undefined) : grads;
    const out = base.update(g, state, params, lr);
    params.forEach((p, i) => p.assign(tf.add(p, out.updates[i])));
    const old = state;
    state = {};
    for (const [k, t] of Object.entries(out.state)) state[k] = tf.keep(t);
    for (const [k, t] of Object.entries(old)) if (state[k] !== t) t.dispose();
  }

  function lrScalar(lr: number): tf.Scalar {
    if (!Number.isFinite(lr) || lr < 0) throw new Error(`Stepper.step: learning rate must be a finite number ≥ 0, got ${lr}`);
    if (lrT === null || lr !== lrValue) {
      lrT?.dispose();
      lrT = tf.keep(tf.scalar(lr));
      lrValue = lr;
    }
    return lrT;
  }

  function plainStep(x: tf.Tensor, y: tf.Tensor1D, lr: tf.Scalar): StepTensors {
    const [loss, correct, gradNorm] = tf.tidy(() => {
      const first = gradientPass(model, x, y, { ...passOpts, updateState: true, wantCorrect: true });
      const norm = globalNorm(first.grads);
      applyBase(first.grads, lr, norm);
      return [first.loss, first.correct as tf.Scalar, norm];
    });
    return { loss, correct, gradNorm, epsNorm: null, perturbedLoss: null };
  }

  /**
   * SAM on one chunk (the whole batch unless m-sharpness splits it): first pass at w (moves the
   * batch-norm statistics), ε̂ from that gradient, second pass at w + ε̂ with the statistics frozen,
   * back to w. Returns the second-pass gradient; the base step happens once, after all chunks.
   */
  function samChunk(x: tf.Tensor, y: tf.Tensor1D, s: SamConfig, keepEps: boolean) {
    const first = gradientPass(model, x, y, { ...passOpts, updateState: true, wantCorrect: true });
    const gradNorm = globalNorm(first.grads);
    const { eps: e, epsNorm } = samPerturbation(first.grads, params, s, gradNorm);
    const saved = firstStep(params, e); // climb to w + ε̂
    let second: ReturnType<typeof gradientPass>;
    try {
      second = gradientPass(model, x, y, { ...passOpts, updateState: false, wantCorrect: false });
    } finally {
      secondStep(params, saved); // back to w, even if the second pass threw
    }
    if (keepEps) {
      eps?.forEach((t) => t.dispose());
      eps = e.map((t) => tf.keep(t));
    }
    return { first, second, gradNorm, epsNorm };
  }

  function samStep(x: tf.Tensor, y: tf.Tensor1D, lr: tf.Scalar, s: SamConfig): StepTensors {
    const batch = x.shape[0];
    const m = s.m ?? batch;
    if (batch % m !== 0) {
      throw new Error(
        `sam.m = ${m} does not divide this batch of ${batch} examples; m-sharpness needs equal chunks — ` +
          `use a batchSize that is a multiple of sam.m and drop the last partial batch`,
      );
    }
    const k = batch / m;
    if (k === 1) {
      const [loss, correct, gradNorm, epsNorm, perturbedLoss] = tf.tidy(() => {
        const c = samChunk(x, y, s, true);
        applyBase(c.second.grads, lr, null);
        return [c.first.loss, c.first.correct as tf.Scalar, c.gradNorm, c.epsNorm, c.second.loss];
      });
      return { loss, correct, gradNorm, epsNorm, perturbedLoss };
    }
    return chunkedSamStep(x, y, lr, s, k);
  }

  /**
   * m-sharpness (Foret et al. 2021, §4.1): each chunk of m examples gets its own ε̂ from
   * its own gradient; the chunks' second-pass gradients are averaged. Batch-norm statistics: every
   * chunk's first pass starts from the same running statistics and the results are averaged —
   * what the paper's per-device JAX code does (pmean of the batch stats across devices).
   */
  function chunkedSamStep(x: tf.Tensor, y: tf.Tensor1D, lr: tf.Scalar, s: SamConfig, k: number): StepTensors {
    const stateVars = model.state;
    const r = tf.tidy(() => {
      const xs = tf.split(x, k, 0);
      const ys = tf.split(y, k, 0) as tf.Tensor1D[];
      const s0 = stateVars.map((v) => tf.clone(v));
      let acc: ChunkSums | null = null;
      for (let i = 0; i < k; i++) {
        if (i > 0) stateVars.forEach((v, j) => v.assign(s0[j]));
        const prev: ChunkSums | null = acc;
        const next: ChunkSums = tf.tidy(() => {
          const c = samChunk(xs[i], ys[i], s, i === 0);
          const cur: ChunkSums = {
            g: c.first.grads,
            h: c.second.grads,
            loss: c.first.loss,
            pl: c.second.loss,
            en: c.epsNorm,
            correct: c.first.correct as tf.Scalar,
            st: stateVars.map((v) => tf.clone(v)),
          };
          return prev ? addSums(prev, cur) : cur;
        });
        if (prev) disposeSums(prev);
        acc = next;
      }
      const a = acc as ChunkSums;
      stateVars.forEach((v, j) => v.assign(tf.div(a.st[j], k)));
      applyBase(a.h.map((t) => tf.div(t, k)), lr, null);
      return [
        tf.div(a.loss, k) as tf.Scalar,
        a.correct,
        globalNorm(a.g.map((t) => tf.div(t, k))),
        tf.div(a.en, k) as tf.Scalar,
        tf.div(a.pl, k) as tf.Scalar,
      ];
    });
    const [loss, correct, gradNorm, epsNorm, perturbedLoss] = r;
    return { loss, correct, gradNorm, epsNorm, perturbedLoss };
  }

  return {
    name: sam ? `sam(${base.name})` : base.name,
    lossWeightDecay,
    step(x, y, lr) {
      if (x.shape[0] !== y.shape[0]) {
        throw new Error(`Stepper.step: ${x.shape[0]} inputs but ${y.shape[0]} labels; give one int32 label per example`);
      }
      const lrS = lrScalar(lr);
      const labels = y as tf.Tensor1D;
      return sam ? samStep(x, labels, lrS, sam) : plainStep(x, labels, lrS);
    },
    lastEpsilon: () => eps,
    getState() {
      const out: Record<string, tf.Tensor> = {};
      for (const [k, t] of Object.entries(state)) out[k] = tf.clone(t);
      return out;
    },
    setState(next) {
      const want = Object.keys(state).sort();
      const got = Object.keys(next).sort();
      const missing = want.filter((k) => !(k in next));
      const extra = got.filter((k) => !(k in state));
      if (missing.length || extra.length) {
        throw new Error(
          `Stepper.setState: optimizer state does not fit ${base.name}` +
            (missing.length ? `; missing ${missing.join(', ')}` : '') +
            (extra.length ? `; unexpected ${extra.join(', ')}` : '') +
            ' (was the checkpoint written with another optimizer or model?)',
        );
      }
      for (const k of want) {
        const a = state[k];
        const b = next[k];
        if (a.dtype !== b.dtype || a.shape.join(',') !== b.shape.join(',')) {
          throw new Error(`Stepper.setState: "${k}" has shape [${b.shape}] ${b.dtype}, expected [${a.shape}] ${a.dtype}`);
        }
      }
      const old = state;
      state = {};
      for (const k of want) state[k] = tf.keep(tf.clone(next[k]));
      Object.values(old).forEach((t) => t.dispose());
    },
    dispose() {
      Object.values(state).forEach((t) => t.dispose());
      state = {};
      eps?.forEach((t) => t.dispose());
      eps = null;
      lrT?.dispose();
      lrT = null;
    },
  };
}

/** Running sums over m-sharpness chunks: first/second-pass gradients, losses, ‖ε̂‖, hits, BN state. */
// A type alias (not an interface) so it is a tf.TensorContainer tf.tidy can return.
type ChunkSums = {
  g: tf.Tensor[];
  h: tf.Tensor[];
  loss: tf.Scalar;
  pl: tf.Scalar;
  en: tf.Scalar;
  correct: tf.Scalar;
  st: tf.Tensor[];
};

function addSums(a: ChunkSums, b: ChunkSums): ChunkSums {
  const add = (u: tf.Tensor[], v: tf.Tensor[]) => u.map((t, j) => tf.add(t, v[j]));
  return {
    g: add(a.g, b.g),
    h: add(a.h, b.h),
    loss: tf.add(a.loss, b.loss) as tf.Scalar,
    pl: tf.add(a.pl, b.pl) as tf.Scalar,
    en: tf.add(a.en, b.en) as tf.Scalar,
    correct: tf.add(a.correct, b.correct) as tf.Scalar,
    st: add(a.st, b.st),
  };
}

function disposeSums(a: ChunkSums): void {
  tf.dispose([...a.g, ...a.h, a.loss, a.pl, a.en, a.correct, ...a.st]);
}
