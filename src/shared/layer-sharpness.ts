// Per-layer sharpness (issue 13, item 3): what a Hessian analysis stores for each layer, and how
// runs are lined up layer by layer so an SGD run and a SAM run read side by side.
//
// A layer is one module's parameter tensors together (a dense layer's kernel and bias, a conv's
// kernel, a batch norm's γ and β). Its sharpness is the top eigenvalue of its diagonal Hessian
// block H_ll = ∂²L/∂w_l², which by Cauchy's interlacing theorem is never above the full λ_max.
// Its share of SAM's ascent step is ‖ε̂_l‖² / ‖ε̂‖²; the shares of a model sum to 1.

/** One layer's block of the Hessian, and its share of ε̂. */
export interface LayerSharpness {
  /** As the model names it: 'dense0', 'logits', 'stage1/block1/conv1', 'stage1/block1/bn1'. */
  name: string;
  /** Its parameter tensors, by role: ['kernel', 'bias'], ['gamma', 'beta']. */
  tensors: string[];
  paramCount: number;
  /** Top eigenvalue of the layer's diagonal Hessian block (Lanczos on block HVPs). */
  lambdaMax: number;
  /** Lanczos residual bound: |λ − lambdaMax| ≤ residual. */
  residual: number;
  /** Block Hessian-vector products used. */
  iterations: number;
  /** ‖ε̂_layer‖² / ‖ε̂‖² (null when ε̂ was zero: a zero gradient). */
  epsShare: number | null;
}

/** How the ε̂ behind the shares was formed. */
export interface EpsShareSource {
  /** 'run': the run's own SAM options and variant; 'sam-p2': a run without SAM, measured with SAM's p = 2 ε̂ ∝ ∇L. */
  source: 'run' | 'sam-p2';
  /** In words, e.g. "SAM ρ=0.05, p=2, m=8 (mean over 16 chunks of 8)". */
  description: string;
  /** Chunks of the Hessian batch the shares are averaged over (m-sharpness: one ε̂ per chunk). */
  chunks: number;
}

export interface LayerSpectrum {
  /** Input to output, in the model's parameter order. */
  layers: LayerSharpness[];
  eps: EpsShareSource | null;
  /** How the block products were computed (the full spectrum's choice). */
  hvp: 'exact' | 'finite-difference';
  elapsedMs: number;
}

/** The per-layer result a spectrum carries (absent in spectra analysed without `perLayer`). */
export function layersOf(s: { perLayer?: LayerSpectrum | null }): LayerSpectrum | null {
  return s.perLayer && s.perLayer.layers.length > 0 ? s.perLayer : null;
}

/** The latest analysis of a run that has per-layer results (by step), or null. */
export function latestLayered<T extends { step: number; perLayer?: LayerSpectrum | null }>(spectra: readonly T[]): T | null {
  let best: T | null = null;
  for (const s of spectra) if (layersOf(s) && (best === null || s.step >= best.step)) best = s;
  return best;
}
