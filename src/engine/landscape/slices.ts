// Loss on a line or plane through the weights: L(w + α·d₁ + β·d₂). Weights are copied first and
// assigned back bit-for-bit at the end, even when the loss throws.
import * as tf from '@tensorflow/tfjs-core';
import type { LossClosure } from '../types';

export interface SliceHooks {
  onPoint?: () => void | Promise<void>;
  signal?: AbortSignal;
}

/** n evenly spaced values from −span to span (n odd puts one exactly at 0). */
export function linspace(span: number, n: number): number[] {
  if (!(Number.isInteger(n) && n >= 2)) throw new Error(`landscape points must be a whole number ≥ 2, got ${n}`);
  if (!(span > 0)) throw new Error(`landscape span must be > 0, got ${span}`);
  return Array.from({ length: n }, (_, i) => (n % 2 === 1 && i === (n - 1) / 2 ? 0 : -span + (2 * span * i) / (n - 1)));
}

/**
 * Losses at w + Σ_k coords[i][k]·dirs[k] for each coordinate tuple (in order). At the origin the
 * weights are the original ones exactly, so the centre of every slice is L(w).
 */
export async function lossesAt(closure: LossClosure, dirs: tf.Tensor[][], coords: number[][], hooks: SliceHooks = {}): Promise<number[]> {
  const original = closure.params.map((p) => tf.clone(p));
  const out: number[] = [];
  try {
    for (const c of coords) {
      if (hooks.signal?.aborted) throw new Error('landscape aborted');
      tf.tidy(() => {
        closure.params.forEach((p, i) => {
          let w: tf.Tensor = original[i];
          c.forEach((coef, k) => {
            if (coef !== 0) w = tf.add(w, tf.mul(dirs[k][i], coef));
          });
          p.assign(w);
        });
      });
      const loss = closure.loss();
      const value = (await loss.data())[0];
      loss.dispose();
      out.push(value);
      await hooks.onPoint?.();
    }
    return out;
  } finally {
    closure.params.forEach((p, i) => p.assign(original[i]));
    original.forEach((t) => t.dispose());
  }
}
