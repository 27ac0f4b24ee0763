// SGD with heavy-ball or Nesterov momentum and coupled L2 weight decay, written exactly as
// PyTorch's torch.optim.SGD (dampening 0) so results match the framework most SAM code uses:
//   g' = g + wd·w;  b ← μ·b + g';  d = nesterov ? g' + μ·b : b;  w ← w − lr·d
import * as tf from '@tensorflow/tfjs-core';
import type { GradientTransformation, OptState } from './types';

export interface SgdOptions {
  momentum: number;
  nesterov: boolean;
  /** Coupled L2 decay added to the gradient (0 when the decay lives in the loss instead). */
  weightDecay: number;
  /** Which parameters are decayed (see weight-decay.ts); all when omitted. */
  decayMask?: readonly boolean[];
}

export function sgd(opts: SgdOptions): GradientTransformation {
  const { momentum, nesterov, weightDecay } = opts;
  if (!(momentum >= 0 && momentum < 1)) throw new Error(`sgd: optimizer.momentum must be in [0, 1), got ${momentum}`);
  if (!(weightDecay >= 0)) throw new Error(`sgd: optimizer.weightDecay must be ≥ 0, got ${weightDecay}`);
  if (nesterov && momentum === 0) throw new Error('sgd: optimizer.nesterov needs optimizer.momentum > 0');
  const key = (i: number) => `momentum/${i}`;
  return {
    name: nesterov ? 'sgd-nesterov' : 'sgd',
    init(params) {
      const state: OptState = {};
      if (momentum > 0) params.forEach((p, i) => (state[key(i)] = tf.zerosLike(p)));
      return state;
    },
    update(grads, state, params, lr) {
      const next: OptState = {};
      // w + (−lr)·d is bit-identical to w − lr·d, and negating the scalar saves a pass per weight.
      const negLr = tf.neg(lr);
      const updates = grads.map((g0, i) => {
        const decayed = weightDecay > 0 && (opts.decayMask?.[i] ?? true);
        const g = decayed ? tf.add(g0, tf.mul(params[i], weightDecay)) : g0;
        let d = g;
        if (momentum > 0) {
          const buf = tf.add(tf.mul(state[key(i)], momentum), g);
          next[key(i)] = buf;
          d = nesterov ? tf.add(g, tf.mul(buf, momentum)) : buf;
        }
        return tf.mul(d, negLr);
      });
      return { updates, state: next };
    },
  };
}
