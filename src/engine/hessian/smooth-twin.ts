// The smooth twin of a ReLU model: where 'auto' checks exact Hessian-vector products against finite
// differences (issue 11, item 5: "check exact HVPs against finite differences at a kink-safe step
// on smooth (tanh/softplus) versions of the models").
//
// Why not on the model itself: a ReLU net is piecewise linear, so ReLU adds nothing to the Hessian
// away from its kinks and exact double backprop (like PyTorch autograd) is right there, while central
// differences cross kinks and jump (fd-step.ts). Compared on the model, the check rejected correct
// exact products: on the untrained 784-32-16-10 ReLU MLP on Fashion-MNIST (PyTorch init, 128
// examples) pᵀHp came out exact 0.22 vs finite differences 6.0 (step 1e-4) and 0.31 vs 3.5 (1e-3),
// on every seed tried; the analysis fell back to finite differences, whose spurious eigenvalues put
// a layer's block λ_max (41.8) above the full λ_max (32.6).
//
// The twin has the same architecture and the same weights (parameters and batch-norm statistics,
// copied in order) with every ReLU replaced by softplus, log(1 + eˣ) (Dugas et al. 2001): twice
// differentiable, so its finite differences are accurate (the same MLP: exact and finite
// differences agree to 1e-5), and its double backprop runs through the same kernels as the
// model's — matMul, conv and its backprop, batch norm, the loss — so a missing or wrong
// second derivative of any of them shows on the twin. What only the model has (ReLU's own
// backward, whose derivative is zero) is still run once on the model and must give finite numbers.
// A CNN's twin also pools by averaging: max-pool is piecewise linear too, and its switches flip
// under a finite-difference step in a large net (the default 32-64-128 CNN, untrained, 1,024
// examples: H·v 3 % apart at both steps, so 'auto' fell back to finite differences; with average
// pooling 0.3 %). Pooling has no weights, so the twin keeps every one; the max-pool second
// derivative itself is checked against finite differences in the tests (hessian-models.test.ts).
// An imported Layers model makes its own (models/layers-twin.ts: its saved topology rewritten the
// same way); one with another kink (ReLU6, leaky ReLU) has none and is checked on itself.
import type { ModelConfig } from '../../shared/config';
import { buildModel, poolsByMax } from '../models/index';
import type { EngineModel, LossClosure } from '../types';

/** The activation the twin uses in place of ReLU. */
export const TWIN_ACTIVATION = 'softplus';
/**
 * What the twin of the model built from `cfg` changed, in words, for the check's summary: "every
 * ReLU a softplus, same weights", and for a model that max-pools (the CNN) also "every max-pool an
 * average pool".
 */
export function twinText(cfg: ModelConfig): string {
  return describeTwin({ relu: true, maxPool: poolsByMax(cfg) });
}

/** The words of twinText for what a twin changed (an imported model's may have no ReLU, or no max-pool). */
export function describeTwin(changed: { relu: boolean; maxPool: boolean }): string {
  return [...(changed.relu ? ['every ReLU a softplus'] : []), ...(changed.maxPool ? ['every max-pool an average pool'] : []), 'same weights'].join(', ');
}

/** Does `cfg` build a piecewise-linear (ReLU) model whose exact-vs-FD check belongs on a smooth twin? */
export function needsSmoothTwin(cfg: ModelConfig): cfg is Exclude<ModelConfig, { kind: 'layers' }> {
  return cfg.kind !== 'layers' && cfg.activation === 'relu';
}

/** What createHvp's check needs of a smooth twin: its loss, and what it changed (twinText) for the summary. */
export interface TwinCheck {
  /** The twin's loss: the same loss as the model's, built by the caller's `lossOf`. */
  closure: LossClosure;
  /** twinText of the model's config. */
  text: string;
}

export interface SmoothTwin extends TwinCheck {
  dispose(): void;
}

/**
 * The smooth twin of `model` (built from `cfg`) with the model's current weights, and its loss
 * made by `lossOf` (pass the function that made the model's own closure, so the data, L2 term and
 * decay mask are the same). Null when the model needs none (needsSmoothTwin).
 */
export async function smoothTwinOf(model: EngineModel, cfg: ModelConfig, lossOf: (m: EngineModel) => LossClosure): Promise<SmoothTwin | null> {
  if (cfg.kind === 'layers') {
    const t = await model.smoothTwin?.();
    if (!t) return null;
    return { closure: lossOf(t.model), text: describeTwin(t.changed), dispose: () => t.model.dispose() };
  }
  if (!needsSmoothTwin(cfg)) return null;
  const twin = await buildModel({ ...cfg, activation: TWIN_ACTIVATION }, model.inputShape, model.numClasses, 0, { averagePool: true });
  try {
    const pairs = [...zipSameShapes(model.params, twin.params, 'parameter'), ...zipSameShapes(model.state, twin.state, 'state')];
    for (const [from, to] of pairs) to.assign(from);
    return { closure: lossOf(twin), text: twinText(cfg), dispose: () => twin.dispose() };
  } catch (e) {
    twin.dispose();
    throw e;
  }
}

function zipSameShapes<T extends { shape: number[]; name: string }>(a: readonly T[], b: readonly T[], what: string): [T, T][] {
  const same = a.length === b.length && a.every((t, i) => t.shape.join() === b[i].shape.join());
  if (!same) throw new Error(`smooth twin: the twin's ${what} tensors do not match the model's (${a.length} vs ${b.length}); it cannot stand in for the model`);
  return a.map((t, i) => [t, b[i]]);
}

/** Runs `body` with the smooth twin of `model` (or null), disposing the twin afterwards. */
export async function withSmoothTwin<T>(
  model: EngineModel,
  cfg: ModelConfig,
  lossOf: (m: EngineModel) => LossClosure,
  body: (twin: TwinCheck | undefined) => Promise<T>,
): Promise<T> {
  const twin = await smoothTwinOf(model, cfg, lossOf);
  try {
    return await body(twin ?? undefined);
  } finally {
    twin?.dispose();
  }
}
