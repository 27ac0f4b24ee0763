// Running training metrics kept ON THE DEVICE between reads. Reading a tensor forces a
// GPU/WASM → CPU sync that stalls the step pipeline, so the loop adds each step's scalars into a
// handful of device-side sums and reads them all at once every `logEvery` steps (one sync).
import * as tf from '@tensorflow/tfjs-core';
import type { StepTensors } from './optim';

/** Window totals as plain numbers, after one read. */
export interface WindowTotals {
  steps: number;
  examples: number;
  /** Σ over steps of (mean batch loss × batch size). */
  lossSum: number;
  correctSum: number;
  gradNormSum: number;
  epsNormSum: number | null;
  /** Σ over steps of L(w+ε̂) − L(w) (Foret et al. 2021, eq. 1: the SAM sharpness term). */
  sharpnessSum: number | null;
  /** Steps that perturbed (and so have ‖ε̂‖ and a sharpness): all SAM steps but LookSAM's in-between ones. */
  perturbedSteps: number;
  /** Σ over steps of forward-backward passes, and of forward-only passes, in units of the batch. */
  passesSum: number;
  forwardPassesSum: number;
  /** First global step whose loss was NaN or ±Inf, or null. Tracked on device so it is exact. */
  firstNonFiniteStep: number | null;
}

// Slot order in the packed sums vector.
const LOSS = 0;
const CORRECT = 1;
const GRAD = 2;
const EPS = 3;
const SHARP = 4;
const SLOTS = 5;
/** Sentinel for "no non-finite step seen": larger than any step count, exact in float32. */
const NO_BAD_STEP = 2 ** 24;

export class MetricsAccumulator {
  private sums: tf.Tensor1D | null = null;
  private firstBad: tf.Scalar | null = null;
  private steps = 0;
  private examples = 0;
  private perturbedSteps = 0;
  private passesSum = 0;
  private forwardPassesSum = 0;
  /** Add one step (global step index `step`, batch of `size` examples) and dispose its scalars. */
  add(s: StepTensors, size: number, step: number): void {
    if (s.epsNorm) this.perturbedSteps++;
    this.passesSum += s.passes.forwardBackward;
    this.forwardPassesSum += s.passes.forward;
    const next = tf.tidy(() => {
      const zero = tf.scalar(0);
      const f32 = (t: tf.Tensor) => tf.cast(tf.reshape(t, []), 'float32');
      const loss = f32(s.loss);
      const correct = f32(s.correct);
      const row = tf.stack([
        tf.mul(loss, size),
        correct,
        f32(s.gradNorm),
        s.epsNorm ? f32(s.epsNorm) : zero,
        s.perturbedLoss ? tf.sub(f32(s.perturbedLoss), loss) : zero,
      ]) as tf.Tensor1D;
      const sums = this.sums ? tf.add(this.sums, row) : row;
      // Non-finite loss: remember the earliest step at which it happened, without a sync.
      const here = tf.where(tf.isFinite(loss), tf.scalar(NO_BAD_STEP), tf.scalar(step));
      const firstBad = this.firstBad ? tf.minimum(this.firstBad, here) : here;
      return { sums, firstBad };
    });
    this.sums?.dispose();
    this.firstBad?.dispose();
    this.sums = next.sums as tf.Tensor1D;
    this.firstBad = next.firstBad as tf.Scalar;
    disposeScalars(s);
    this.steps++;
    this.examples += size;
  }

  get pendingSteps(): number {
    return this.steps;
  }

  /** Read every sum in ONE device sync, then start a new window. */
  async read(): Promise<WindowTotals> {
    const steps = this.steps;
    const examples = this.examples;
    const { perturbedSteps, passesSum, forwardPassesSum } = this;
    if (!this.sums || !this.firstBad) {
      return { steps: 0, examples: 0, lossSum: 0, correctSum: 0, gradNormSum: 0, epsNormSum: null, sharpnessSum: null, firstNonFiniteStep: null, perturbedSteps: 0, passesSum: 0, forwardPassesSum: 0 };
    }
    const packed = tf.tidy(() => tf.concat([this.sums as tf.Tensor1D, tf.reshape(this.firstBad as tf.Scalar, [1])]));
    const v = await packed.data();
    packed.dispose();
    this.reset();
    const bad = v[SLOTS];
    return {
      steps,
      examples,
      lossSum: v[LOSS],
      correctSum: v[CORRECT],
      gradNormSum: v[GRAD],
      epsNormSum: perturbedSteps > 0 ? v[EPS] : null,
      sharpnessSum: perturbedSteps > 0 ? v[SHARP] : null,
      firstNonFiniteStep: bad < NO_BAD_STEP ? bad : null,
      perturbedSteps,
      passesSum,
      forwardPassesSum,
    };
  }

  private reset(): void {
    this.sums?.dispose();
    this.firstBad?.dispose();
    this.sums = null;
    this.firstBad = null;
    this.steps = 0;
    this.examples = 0;
    this.perturbedSteps = 0;
    this.passesSum = 0;
    this.forwardPassesSum = 0;
  }

  dispose(): void {
    this.reset();
  }
}

function disposeScalars(s: StepTensors): void {
  // One tensor may be returned in two slots (e.g. perturbedLoss === loss when ρ = 0).
  const seen = new Set<tf.Tensor>();
  for (const t of [s.loss, s.correct, s.gradNorm, s.epsNorm, s.perturbedLoss]) {
    if (t && !seen.has(t)) {
      seen.add(t);
      t.dispose();
    }
  }
}
