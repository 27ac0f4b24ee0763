// Multi-layer perceptron on flat input: hidden widths, activation, dropout, then a linear head.
import * as tf from '@tensorflow/tfjs-core';
import type { EngineModel } from '../types';
import { Rng } from '../rng';
import { dropoutModel } from './dropout-model';
import { HEAD_LAYER, VariableStore } from './init';
import type { InitScheme } from '../../shared/config';
import { type Activation, dense } from './layers';

export interface MlpConfig {
  hidden: number[];
  activation: Activation;
  dropout: number;
  init: InitScheme;
}

export function buildMlp(cfg: MlpConfig, inputShape: number[], numClasses: number, seed: number): EngineModel {
  const rng = new Rng(seed);
  const vs = new VariableStore();
  const inDim = inputShape.reduce((a, b) => a * b, 1);
  const widths = [inDim, ...cfg.hidden];
  const init = { scheme: cfg.init, rng };
  const hidden = cfg.hidden.map((w, i) => dense(vs, `dense${i}`, widths[i], w, cfg.activation, init));
  const head = dense(vs, HEAD_LAYER, widths[widths.length - 1], numClasses, 'linear', init);
  return dropoutModel({ kind: 'mlp', vs, inputShape, numClasses, rate: cfg.dropout, rng }, (x, drop) => {
    let h = (x.rank === 2 ? x : tf.reshape(x, [-1, inDim])) as tf.Tensor2D;
    for (const layer of hidden) h = drop(layer(h));
    return head(h);
  });
}
