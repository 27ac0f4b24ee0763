// Hessian-vector products H·v of closure.loss() w.r.t. closure.params, on flat vectors.
// Exact: double backpropagation, H·v = ∇_w (∇_w L(w) · v) (Pearlmutter 1994), with the tfjs tape
// repaired (see tape-repair.ts) and the second-order gradients tfjs lacks registered (conv,
// pooling, ELU; see ../gradients). Finite differences: central differences of exact gradients,
// H·v ≈ (∇L(w + h·v) − ∇L(w − h·v)) / 2h, error O(h²) plus round-off and kinks (the step per
// model: fd-step.ts). 'auto' tries exact once on a seeded probe, checks it against finite
// differences and keeps it only if it throws nothing, is finite and agrees (see checkExact); the
// check's summary says what was compared and, when exact is rejected, what disagreed. For ReLU
// nets exact is the Hessian of PyTorch autograd / PyHessian: the kinks' curvature (a delta at each
// zero crossing) is left out; finite differences see it as noise. So for them the check runs on
// the smooth twin (smooth-twin.ts: the same weights, softplus for ReLU, average for max pooling), given as `checkOn`.
import '@tensorflow/tfjs-layers'; // registers every gradient with tfjs-core's Node bundle (it registers none)
import * as tf from '@tensorflow/tfjs-core';
import '../gradients/index'; // second-order gradients of conv, pooling and ELU kernels
import type { LossClosure } from '../types';
import { Rng } from '../rng';
import { dot, flatten, gaussian, layoutOf, norm, normalized, unflatten, type FlatLayout } from './flat';
import { FD_STEP_SHALLOW } from './fd-step';
import type { TwinCheck } from './smooth-twin';
import { releaseAbandonedTape, repairTapeOrder } from './tape-repair';

export type HvpMethod = 'exact' | 'finite-difference';

export interface HvpOptions {
  /** Default 'auto'. */
  method?: 'auto' | HvpMethod;
  /** Seed of the probe used to check exact against finite differences. */
  seed?: number;
  /**
   * Largest relative difference of the curvature pᵀHp, exact vs FD, accepted in the check.
   * Default 0.5 on the model itself (an untaped second derivative measured 0.9; float32 FD on the
   * trained 670k ReLU MLP up to 0.25) and 0.1 on a smooth twin (`checkOn`), where no ReLU kink
   * blurs finite differences: measured 1e-6 to 3e-4 on the twins of the ReLU MLP, CNN and
   * ResNet-20 on Fashion-MNIST, and max-pool switches cost a smooth CNN 1.5–2 % (fd-step.ts).
   */
  checkTolerance?: number;
  /**
   * Relative step: h = fdStep·‖w‖/‖v‖, so the perturbation is fdStep of the weights' norm
   * (default 1e-4; fdStepFor(model) picks one per model kind, see fd-step.ts).
   */
  fdStep?: number;
  /**
   * The smooth twin of the closure's model (smooth-twin.ts; the same parameter layout): 'auto'
   * compares exact with finite differences there, where finite differences cross no ReLU kinks,
   * and then uses exact on the model itself if it runs and is finite there too. Its `text` says in
   * the check's summary what the twin changed.
   */
  checkOn?: TwinCheck;
}

/** Where 'auto' compared exact with finite differences: the model itself or its smooth twin. */
export type HvpCheckedOn = 'model' | 'smooth-twin';

export interface HvpCheck {
  on: HvpCheckedOn;
  /** |pᵀH_exact p − pᵀH_FD p| / max of both on the check's probe, or null when exact failed outright. */
  relativeError: number | null;
  /** Why exact was rejected (what disagreed, by how much, at which steps); null when it is used. */
  reason: string | null;
  /** One line on how the check went, for display (kept also when exact passes). */
  summary: string;
}

export interface HvpOperator {
  readonly n: number;
  readonly layout: FlatLayout;
  readonly method: HvpMethod;
  /** The relative finite-difference step (used by 'finite-difference' and by the check). */
  readonly fdStep: number;
  /** Result of the exact-vs-FD check ('auto' only). */
  readonly check: HvpCheck | null;
  /** Hessian-vector products computed so far (the check not included). */
  readonly count: number;
  apply(v: Float32Array): Promise<Float32Array>;
  /** Frees the saved copy of the weights. The weights themselves are never left changed. */
  dispose(): void;
}

/** ∇L(w) as one flat vector. */
export async function flatGradient(closure: LossClosure, layout: FlatLayout = layoutOf(closure.params)): Promise<Float32Array> {
  const grads = tf.tidy(() => {
    const { value, grads: named } = tf.variableGrads(closure.loss, closure.params);
    value.dispose();
    return closure.params.map((p) => named[p.name] ?? tf.zerosLike(p));
  });
  try {
    return await flatten(grads, layout);
  } finally {
    grads.forEach((g) => g.dispose());
  }
}

/** Exact H·v by double backpropagation. Throws when an op on the path has no second derivative. */
export async function exactHvp(closure: LossClosure, v: Float32Array, layout: FlatLayout = layoutOf(closure.params)): Promise<Float32Array> {
  let hv: tf.Tensor[] = [];
  try {
    hv = tf.tidy(() => {
      const vs = unflatten(v, layout);
      const { value, grads } = tf.variableGrads(() => {
        const inner = tf.variableGrads(closure.loss, closure.params);
        repairTapeOrder();
        const terms: tf.Tensor[] = [];
        closure.params.forEach((p, i) => {
          const g = inner.grads[p.name];
          if (g) terms.push(tf.sum(tf.mul(g, vs[i])));
        });
        return tf.addN(terms) as tf.Scalar;
      }, closure.params);
      value.dispose();
      return closure.params.map((p) => grads[p.name] ?? tf.zerosLike(p));
    });
    return await flatten(hv, layout);
  } catch (e) {
    releaseAbandonedTape();
    throw e;
  } finally {
    hv.forEach((t) => t.dispose());
  }
}

/**
 * Central finite differences of exact gradients. `original` holds a copy of the weights; they are
 * assigned back bit-for-bit afterwards, even when the loss throws.
 */
export async function finiteDifferenceHvp(
  closure: LossClosure,
  original: tf.Tensor[],
  weightNorm: number,
  v: Float32Array,
  fdStep: number,
  layout: FlatLayout = layoutOf(closure.params),
): Promise<Float32Array> {
  const vNorm = norm(v);
  if (vNorm === 0) return new Float32Array(layout.n);
  const h = (fdStep * Math.max(weightNorm, 1e-3)) / vNorm;
  const vs = unflatten(v, layout);
  const shiftTo = (sign: number) =>
    tf.tidy(() => closure.params.forEach((p, i) => p.assign(tf.add(original[i], tf.mul(vs[i], sign * h)))));
  try {
    shiftTo(1);
    const gPlus = await flatGradient(closure, layout);
    shiftTo(-1);
    const gMinus = await flatGradient(closure, layout);
    const out = new Float32Array(layout.n);
    for (let i = 0; i < out.length; i++) out[i] = (gPlus[i] - gMinus[i]) / (2 * h);
    return out;
  } finally {
    closure.params.forEach((p, i) => p.assign(original[i]));
    vs.forEach((t) => t.dispose());
  }
}

/**
 * An H·v operator at the current weights. With method 'auto' it decides once between exact and
 * finite differences (see the file comment) and records which it uses and why.
 */
export async function createHvp(closure: LossClosure, opts: HvpOptions = {}): Promise<HvpOperator> {
  if (closure.params.length === 0) throw new Error('createHvp: the loss closure has no parameters');
  const layout = layoutOf(closure.params);
  const fdStep = opts.fdStep ?? FD_STEP_SHALLOW;
  if (!(fdStep > 0 && fdStep < 1)) throw new Error(`createHvp: fdStep must be in (0, 1), got ${fdStep}`);
  const tolerance = opts.checkTolerance ?? (opts.checkOn ? 0.1 : 0.5);
  const saved = await saveWeights(closure, layout);
  const fd = (v: Float32Array, step = fdStep) => finiteDifferenceHvp(closure, saved.original, saved.weightNorm, v, step, layout);
  const exact = (v: Float32Array) => exactHvp(closure, v, layout);

  let method: HvpMethod = opts.method === 'finite-difference' ? 'finite-difference' : 'exact';
  let check: HvpCheck | null = null;
  if ((opts.method ?? 'auto') === 'auto') {
    const checkOpts = { seed: opts.seed ?? 0, tolerance, steps: [fdStep, Math.min(10 * fdStep, 0.1)] };
    try {
      check = opts.checkOn ? await checkOnTwin(opts.checkOn, layout, exact, checkOpts) : await checkExact(exact, fd, layout.n, null, checkOpts);
    } catch (e) {
      // The loss itself failed (not double backprop): nothing to fall back to.
      saved.dispose();
      throw e;
    }
    method = check.reason === null ? 'exact' : 'finite-difference';
  }
  let count = 0;
  let disposed = false;
  return {
    n: layout.n,
    layout,
    method,
    fdStep,
    check,
    get count() {
      return count;
    },
    async apply(v: Float32Array): Promise<Float32Array> {
      if (disposed) throw new Error('HvpOperator used after dispose()');
      if (v.length !== layout.n) throw new Error(`HvpOperator.apply: vector has ${v.length} entries, the parameters have ${layout.n}`);
      count++;
      return method === 'exact' ? exact(v) : fd(v);
    },
    dispose() {
      if (disposed) return;
      disposed = true;
      saved.dispose();
    },
  };
}

/** A copy of the closure's weights (finite differences move them and put them back) and its norm. */
async function saveWeights(closure: LossClosure, layout: FlatLayout): Promise<{ original: tf.Tensor[]; weightNorm: number; dispose(): void }> {
  const original = closure.params.map((p) => tf.clone(p));
  const dispose = () => original.forEach((t) => t.dispose());
  try {
    return { original, weightNorm: norm(await flatten(original, layout)), dispose };
  } catch (e) {
    dispose();
    throw e;
  }
}

interface CheckOptions {
  seed: number;
  tolerance: number;
  steps: number[];
}

/**
 * Largest ‖H_exact·r − H_FD·r‖ / ‖H_exact·r‖ along a random direction r accepted on a smooth twin,
 * with the 1 % of coordinates where they differ most left out (TWIN_VECTOR_TRIM). The curvature
 * along the top direction misses a wrong second derivative of a small layer (Conv2DBackpropFilter's
 * at half its value moved pᵀHp by 0.1 %), while the whole vector along a random direction shows it
 * (5–30 % on the CNN and ResNet-20 twins). Max-pool switches make a few coordinates of the finite
 * difference jump (20 % untrimmed on the Fashion-MNIST CNN), so a CNN's twin averages where the model
 * max-pools (the default CNN at 1,024 examples: 3 % trimmed with max-pools, 0.3 % with averages). Trimmed,
 * correct kernels measured 0.02–0.3 % on the twins of the ReLU MLP, CNN and ResNet-20 on
 * Fashion-MNIST (cpu and wasm), the broken one 4.6–29 %. Round-off grows as the step shrinks, so the
 * check passes at either of its two steps.
 */
const TWIN_VECTOR_TOLERANCE = 0.02;
const TWIN_VECTOR_TRIM = 0.01;

/**
 * On the smooth twin (its own exact and finite-difference operators, its own saved weights):
 * checkExact's curvature, then the whole H·v along a random direction. Then one exact product on
 * the model itself along a seeded direction, which must run and be finite: a kernel only the model
 * uses may still lack a second derivative.
 */
async function checkOnTwin({ closure: twin, text }: TwinCheck, layout: FlatLayout, exactOnModel: (v: Float32Array) => Promise<Float32Array>, o: CheckOptions): Promise<HvpCheck> {
  const twinLayout = layoutOf(twin.params);
  if (twinLayout.n !== layout.n || twin.params.some((p, i) => p.shape.join() !== layout.shapes[i].join())) {
    throw new Error(`createHvp: the smooth twin's parameters (${twinLayout.n}) do not match the model's (${layout.n})`);
  }
  const saved = await saveWeights(twin, twinLayout);
  let check: HvpCheck;
  try {
    const exact = (v: Float32Array) => exactHvp(twin, v, twinLayout);
    const fd = (v: Float32Array, step?: number) => finiteDifferenceHvp(twin, saved.original, saved.weightNorm, v, step ?? o.steps[0], twinLayout);
    check = await checkExact(exact, fd, layout.n, text, o);
    if (check.reason === null) check = await checkVectorOnTwin(exact, fd, layout.n, text, o, check);
  } finally {
    saved.dispose();
  }
  if (check.reason !== null) return check;
  const failed = await exactFailure(exactOnModel, normalized(gaussian(layout.n, new Rng(o.seed).fork(0x4856))));
  const why = `on the model itself, ${failed}`;
  return failed === null ? check : { on: 'smooth-twin', relativeError: null, reason: why, summary: why };
}

/** H·v, exact vs FD, along a seeded random direction (TWIN_VECTOR_TOLERANCE); `passed` is the curvature check's result. */
async function checkVectorOnTwin(
  exact: (v: Float32Array) => Promise<Float32Array>,
  fd: (v: Float32Array, step?: number) => Promise<Float32Array>,
  n: number,
  twinText: string,
  o: CheckOptions,
  passed: HvpCheck,
): Promise<HvpCheck> {
  const r = normalized(gaussian(n, new Rng(o.seed).fork(0x5645)));
  const product: { value?: Float32Array } = {};
  const failed = await exactFailure(exact, r, product);
  if (failed !== null) return { on: 'smooth-twin', relativeError: null, reason: `${twinWhere(twinText)}${failed}`, summary: `${twinWhere(twinText)}${failed}` };
  const e = product.value as Float32Array;
  const tried: string[] = [];
  for (const step of o.steps) {
    const f = await fd(r, step);
    const err = trimmedRelativeError(e, f, TWIN_VECTOR_TRIM);
    tried.push(`${pct(err)} at step ${step.toExponential(0)}·‖w‖`);
    if (err <= TWIN_VECTOR_TOLERANCE) return { ...passed, summary: `${passed.summary}; H·v along a random direction ${tried.at(-1)}` };
  }
  const reason =
    `${twinWhere(twinText)}exact double backprop and finite differences disagree on H·v along a random direction (but for its ` +
    `${pct(TWIN_VECTOR_TRIM)} most different coordinates) by more than ` +
    `${pct(TWIN_VECTOR_TOLERANCE)}: ${tried.join(', ')} (the curvature along the top direction agreed). ${TWIN_BROKEN}`;
  return { on: 'smooth-twin', relativeError: passed.relativeError, reason, summary: reason };
}

/** The prefix of a twin check's words: "on the smooth twin (every ReLU a softplus, same weights), " (smooth-twin.ts twinText). */
const twinWhere = (twinText: string) => `on the smooth twin (${twinText}), `;
const TWIN_BROKEN = `The twin is smooth, so some op's second derivative is not taped or is wrong (exact is wrong); finite differences are used`;

/** Why exact failed along `p` (it threw or gave NaN/Infinity), or null when it ran; the product is returned through `out`. */
async function exactFailure(exact: (v: Float32Array) => Promise<Float32Array>, p: Float32Array, out?: { value?: Float32Array }): Promise<string | null> {
  let e: Float32Array;
  try {
    e = await exact(p);
  } catch (err) {
    return `double backpropagation failed: ${err instanceof Error ? err.message : String(err)}`;
  }
  if (!e.every(Number.isFinite)) return 'double backpropagation gave NaN or Infinity';
  if (out) out.value = e;
  return null;
}

/**
 * ‖e − f‖ / ‖e‖ after dropping the `trim` fraction of coordinates where they differ most. Finite
 * differences of a ReLU net's gradient jump wherever a pre-activation crosses zero between
 * w − hv and w + hv; such a crossing corrupts only the few weights of that unit, while an
 * untaped second derivative (the failure we look for) is wrong almost everywhere.
 */
export function trimmedRelativeError(e: ArrayLike<number>, f: ArrayLike<number>, trim = 0.1): number {
  const sq = Float64Array.from({ length: e.length }, (_, i) => (e[i] - f[i]) ** 2).sort();
  const keep = Math.ceil(sq.length * (1 - trim));
  let num = 0;
  for (let i = 0; i < keep; i++) num += sq[i];
  let den = 0;
  for (let i = 0; i < e.length; i++) den += e[i] * e[i];
  return Math.sqrt(num / Math.max(den, 1e-300));
}

const pct = (x: number) => (x >= 0.01 ? `${(x * 100).toFixed(0)} %` : `${(x * 100).toPrecision(1)} %`);
const num = (x: number) => x.toPrecision(4);

async function checkExact(
  exact: (v: Float32Array) => Promise<Float32Array>,
  fd: (v: Float32Array, step?: number) => Promise<Float32Array>,
  n: number,
  /** The smooth twin's twinText when checking on the twin, null on the model itself. */
  twinText: string | null,
  { seed, tolerance, steps }: CheckOptions,
): Promise<HvpCheck> {
  // Compare the curvature pᵀHp along a probe p found by three power-iteration steps of the
  // finite-difference operator from a Gaussian. Why this and not ‖exact − FD‖ along a random v:
  // on the 670k-parameter ReLU MLP, H·v along a random direction is so small that float32
  // rounding and ReLU kinks swamp the difference of gradients (measured 100–800 % vector error at
  // every step size, trained or not), and even along power directions the vectors differ by
  // 10–50 % once the net is trained, while the curvature pᵀHp agrees to 0.5–25 %. It must be FD's
  // power direction, not exact's: a missing Gauss–Newton term (tfjs' customGrad softmax
  // cross-entropy) hides along the top direction of the wrong operator but not of the true one.
  // Two step sizes (the model's and ten times it), each with its own power iteration: on small
  // batches a ReLU kink crossed between w − hv and w + hv makes a unit's gradient jump by a whole
  // example's share, which power iteration then amplifies; on large nets the larger step is the
  // one that beats float32 rounding. Exact passes if it agrees at either.
  const on: HvpCheckedOn = twinText === null ? 'model' : 'smooth-twin';
  const where = twinText === null ? '' : twinWhere(twinText);
  const start = normalized(gaussian(n, new Rng(seed).fork(0x4856)));
  const tried: string[] = [];
  let rel = Infinity;
  for (const step of steps) {
    let p = start;
    for (let k = 0; k < 3; k++) {
      const hp = await fd(p, step);
      const hpNorm = norm(hp);
      if (!(hpNorm > 0 && Number.isFinite(hpNorm))) break;
      p = normalized(hp);
    }
    const product: { value?: Float32Array } = {};
    const failed = await exactFailure(exact, p, product);
    if (failed !== null) {
      const why = `${where}${failed}`;
      return { on, relativeError: null, reason: why, summary: why };
    }
    const e = product.value as Float32Array;
    const curvatureExact = dot(p, e);
    const curvatureFd = dot(p, await fd(p, step));
    const scaleOf = Math.max(Math.abs(curvatureExact), Math.abs(curvatureFd));
    // A zero Hessian (both tiny) agrees trivially.
    if (scaleOf < 1e-12) return { on, relativeError: 0, reason: null, summary: `${where}exact and finite differences both see a zero Hessian` };
    const r = Math.abs(curvatureExact - curvatureFd) / scaleOf;
    tried.push(`exact ${num(curvatureExact)} vs finite differences ${num(curvatureFd)} at step ${step.toExponential(0)}·‖w‖ (${pct(r)} apart)`);
    rel = Math.min(rel, r);
    if (r <= tolerance) {
      const checked = twinText === null ? 'checked against finite differences' : `checked on the smooth twin (${twinText}) against finite differences`;
      return { on, relativeError: r, reason: null, summary: `exact double backprop ${checked}: pᵀHp ${tried.at(-1)}` };
    }
  }
  const reason =
    `${where}exact double backprop and finite differences disagree on the curvature pᵀHp along the top power direction of ` +
    `finite differences by more than ${pct(tolerance)}: ${tried.join('; ')}. ` +
    (twinText !== null
      ? TWIN_BROKEN
      : `Either some op's second derivative is not taped (exact is wrong) or kinks make finite differences rough; finite differences are used`);
  return { on, relativeError: rel, reason, summary: reason };
}
