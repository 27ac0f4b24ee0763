// Multi-layer perceptron on flat input: hidden widths, activation, dropout, then a linear head.
import * as tf from '@tensorflow/tfjs-core';
import type { EngineModel } from '../types';
import { Rng } from '../rng';
import { VariableStore } from './init';
import { type Activation, dense } from './layers';

export interface MlpConfig {
  hidden: number[];
  activation: Activation;
  dropout: number;
}

export function buildMlp(cfg: MlpConfig, inputShape: number[], numClasses: number, seed: number): EngineModel {
  const rng = new Rng(seed);
  const vs = new VariableStore();
  const inDim = inputShape.reduce((a, b) => a * b, 1);
  const widths = [inDim, ...cfg.hidden];
  const hidden = cfg.hidden.map((w, i) => dense(vs, `dense${i}`, widths[i], w, cfg.activation, rng));
  const head = dense(vs, 'logits', widths[widths.length - 1], numClasses, 'linear', rng);
  let dropRng = rng.fork(1);
  return {
    kind: 'mlp',
    params: vs.params,
    state: vs.state,
    paramCount: vs.paramCount,
    inputShape,
    numClasses,
    apply(x, o) {
      return tf.tidy(() => {
        let h = (x.rank === 2 ? x : tf.reshape(x, [-1, inDim])) as tf.Tensor2D;
        for (const layer of hidden) {
          h = layer(h);
          if (o.training && cfg.dropout > 0) h = tf.dropout(h, cfg.dropout, undefined, dropRng.int(2 ** 31)) as tf.Tensor2D;
        }
        return head(h);
      });
    },
    // Dropout masks from a stream the training loop restarts per step (resume-exact dropout).
    reseed(seed: number) {
      dropRng = new Rng(seed);
    },
    dispose: () => vs.dispose(),
  };
}
