// A small CNN: per entry of `filters` a 3×3 conv + activation (ReLU by default) + 2×2 max-pool
// block, then a dense layer with the same activation (and dropout) and a linear head. Flat input
// is reshaped to the image shape first.
import * as tf from '@tensorflow/tfjs-core';
import type { EngineModel } from '../types';
import { Rng } from '../rng';
import { dropoutModel } from './dropout-model';
import { HEAD_LAYER, VariableStore } from './init';
import type { InitScheme } from '../../shared/config';
import { type Activation, conv, dense } from './layers';
import { asImages, imageShape } from './shape';

export interface CnnConfig {
  filters: number[];
  dense: number;
  dropout: number;
  activation: Activation;
  init: InitScheme;
}

export function buildCnn(cfg: CnnConfig, inputShape: number[], numClasses: number, seed: number, opts: { averagePool?: boolean } = {}): EngineModel {
  const pool = opts.averagePool ? tf.avgPool : tf.maxPool;
  const [h0, w0, c0] = imageShape(inputShape, 'cnn');
  const rng = new Rng(seed);
  const vs = new VariableStore();
  const init = { scheme: cfg.init, rng };
  let [h, w, c] = [h0, w0, c0];
  const blocks = cfg.filters.map((f, i) => {
    const layer = conv(vs, `conv${i}`, c, f, { kernel: 3, bias: true, activation: cfg.activation }, init);
    c = f;
    h = Math.ceil(h / 2);
    w = Math.ceil(w / 2);
    return layer;
  });
  const flat = h * w * c;
  const fc = dense(vs, 'dense', flat, cfg.dense, cfg.activation, init);
  const head = dense(vs, HEAD_LAYER, cfg.dense, numClasses, 'linear', init);
  return dropoutModel({ kind: 'cnn', vs, inputShape, numClasses, rate: cfg.dropout, rng }, (x, drop) => {
    let t = asImages(x, [h0, w0, c0]);
    for (const block of blocks) t = pool(block(t), 2, 2, 'same');
    return head(drop(fc(tf.reshape(t, [-1, flat]) as tf.Tensor2D)));
  });
}
