// Adam (Kingma & Ba 2015) and AdamW (Loshchilov & Hutter 2019), as torch.optim.Adam/AdamW:
//   g' = g + wd·w                      (Adam, coupled L2; AdamW skips this)
//   m ← β1·m + (1−β1)·g';  v ← β2·v + (1−β2)·g'²;  t ← t + 1
//   w ← w − lr·m̂/(√v̂ + ε) − lr·wd·w   with m̂ = m/(1−β1ᵗ), v̂ = v/(1−β2ᵗ); the last term AdamW only
// The step count t is a tensor so bias correction never needs a GPU→CPU read.
import * as tf from '@tensorflow/tfjs-core';
import type { GradientTransformation, OptState } from './types';

export interface AdamOptions {
  beta1: number;
  beta2: number;
  epsilon: number;
  weightDecay: number;
  /** true = AdamW (decay applied to the weights, outside the adaptive scaling). */
  decoupled: boolean;
  decayMask?: readonly boolean[];
}

export function adam(opts: AdamOptions): GradientTransformation {
  const { beta1, beta2, epsilon, weightDecay, decoupled } = opts;
  if (!(beta1 >= 0 && beta1 < 1)) throw new Error(`adam: optimizer.beta1 must be in [0, 1), got ${beta1}`);
  if (!(beta2 >= 0 && beta2 < 1)) throw new Error(`adam: optimizer.beta2 must be in [0, 1), got ${beta2}`);
  if (!(epsilon > 0)) throw new Error(`adam: optimizer.epsilon must be > 0, got ${epsilon}`);
  if (!(weightDecay >= 0)) throw new Error(`adam: optimizer.weightDecay must be ≥ 0, got ${weightDecay}`);
  return {
    name: decoupled ? 'adamw' : 'adam',
    init(params) {
      const state: OptState = { count: tf.scalar(0) };
      params.forEach((p, i) => {
        state[`m/${i}`] = tf.zerosLike(p);
        state[`v/${i}`] = tf.zerosLike(p);
      });
      return state;
    },
    update(grads, state, params, lr) {
      const count = tf.add(state.count, 1) as tf.Scalar;
      const next: OptState = { count };
      // step size lr/(1−β1ᵗ) and √(1−β2ᵗ): PyTorch's arrangement of the bias corrections.
      const negStepSize = tf.neg(tf.div(lr, tf.sub(1, tf.pow(beta1, count))));
      const sqrtBc2 = tf.sqrt(tf.sub(1, tf.pow(beta2, count)));
      const updates = grads.map((g0, i) => {
        const decayed = weightDecay > 0 && (opts.decayMask?.[i] ?? true);
        const g = decayed && !decoupled ? tf.add(g0, tf.mul(params[i], weightDecay)) : g0;
        const m = tf.add(tf.mul(state[`m/${i}`], beta1), tf.mul(g, 1 - beta1));
        const v = tf.add(tf.mul(state[`v/${i}`], beta2), tf.mul(tf.square(g), 1 - beta2));
        next[`m/${i}`] = m;
        next[`v/${i}`] = v;
        const denom = tf.add(tf.div(tf.sqrt(v), sqrtBc2), epsilon);
        let u = tf.mul(tf.div(m, denom), negStepSize);
        if (decayed && decoupled) u = tf.sub(u, tf.mul(params[i], tf.mul(lr, weightDecay)));
        return u;
      });
      return { updates, state: next };
    },
  };
}
