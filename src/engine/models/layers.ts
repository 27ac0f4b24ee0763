// Building blocks on tfjs-core ops. Dense and conv layers use tf.fused ops so bias and ReLU run
// inside the matmul/conv kernel (one kernel and one tape entry instead of three).
import * as tf from '@tensorflow/tfjs-core';
import type { ActivationName } from '../../shared/config';
import { type Init, VariableStore, initLayer } from './init';

export type Activation = ActivationName | 'linear';

/** tf.fused supports these in-kernel; the rest are applied after the matmul. */
const FUSABLE: Partial<Record<Activation, tf.fused.Activation>> = { relu: 'relu', sigmoid: 'sigmoid', elu: 'elu', linear: 'linear' };

export function activate(x: tf.Tensor, act: Activation): tf.Tensor {
  switch (act) {
    case 'relu':
      return tf.relu(x);
    case 'tanh':
      return tf.tanh(x);
    case 'sigmoid':
      return tf.sigmoid(x);
    case 'elu':
      return tf.elu(x);
    case 'softplus':
      // log(1 + eˣ): a smooth ReLU (Dugas et al. 2001), twice differentiable everywhere.
      return tf.softplus(x);
    case 'linear':
      return x;
    case 'gelu': {
      // tanh approximation (Hendrycks & Gimpel 2016): 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))
      const inner = tf.mul(Math.sqrt(2 / Math.PI), tf.add(x, tf.mul(0.044715, tf.pow(x, 3))));
      return tf.mul(tf.mul(0.5, x), tf.add(1, tf.tanh(inner)));
    }
  }
}

export interface Dense {
  (x: tf.Tensor2D): tf.Tensor2D;
}

/** x·W + b with W [in, out] (torch.nn.Linear's weight transposed), initialised per `init` (init.ts). */
export function dense(vs: VariableStore, name: string, inDim: number, outDim: number, act: Activation, init: Init): Dense {
  const reluFollows = act === 'relu' || act === 'elu' || act === 'gelu';
  const v = initLayer(init, { kernelShape: [inDim, outDim], fanIn: inDim, fanOut: outDim, reluFollows, biasSize: outDim });
  const w = vs.param(`${name}/kernel`, [inDim, outDim], v.kernel);
  const b = vs.param(`${name}/bias`, [outDim], v.bias as Float32Array);
  const fused = FUSABLE[act];
  return (x) => {
    if (fused) return tf.fused.matMul({ a: x, b: w as tf.Tensor2D, bias: b, activation: fused }) as tf.Tensor2D;
    return activate(tf.fused.matMul({ a: x, b: w as tf.Tensor2D, bias: b }), act) as tf.Tensor2D;
  };
}

export interface ConvOpts {
  kernel: number;
  stride?: number;
  bias?: boolean;
  /** Applied to the output (default 'linear'); fused into the conv kernel where tfjs can. */
  activation?: Activation;
}

/**
 * 'same'-padded NHWC convolution, kernel [k, k, in, out] (torch.nn.Conv2d's weight is [out, in, k, k]),
 * initialised per `init` (init.ts). Every conv here feeds a ReLU-like activation or a batch norm;
 * the smooth activations are meant as stand-ins for ReLU, so 'he-normal' keeps He init for them.
 */
export function conv(vs: VariableStore, name: string, inC: number, outC: number, o: ConvOpts, init: Init): (x: tf.Tensor4D) => tf.Tensor4D {
  const shape = [o.kernel, o.kernel, inC, outC];
  const area = o.kernel * o.kernel;
  const v = initLayer(init, { kernelShape: shape, fanIn: area * inC, fanOut: area * outC, reluFollows: true, biasSize: o.bias ? outC : 0 });
  const w = vs.param(`${name}/kernel`, shape, v.kernel) as unknown as tf.Tensor4D;
  const b = v.bias ? vs.param(`${name}/bias`, [outC], v.bias) : undefined;
  const stride = o.stride ?? 1;
  const act = o.activation ?? 'linear';
  const fused = FUSABLE[act];
  return (x) => {
    if (fused) return tf.fused.conv2d({ x, filter: w, strides: stride, pad: 'same', bias: b, activation: fused });
    return activate(tf.fused.conv2d({ x, filter: w, strides: stride, pad: 'same', bias: b }), act) as tf.Tensor4D;
  };
}

export interface ForwardOpts {
  training: boolean;
  updateState: boolean;
}

/**
 * Batch normalisation (Ioffe & Szegedy 2015) over N, H, W, starting as torch.nn.BatchNorm2d does
 * under every init scheme: γ = 1, β = 0, running mean 0, running variance 1; momentum 0.9 here is
 * PyTorch's momentum = 0.1 (running ← 0.9·running + 0.1·batch), eps 1e-5 as there. Training uses the batch's statistics;
 * the running averages move only when `updateState` (SAM's first pass), never in eval mode.
 * Written with broadcasting ops rather than tf.batchNorm: the FusedBatchNorm gradient in
 * tfjs-core tiles every per-channel factor up to the activation's full shape (Tile was a quarter
 * of a ResNet step on wasm); broadcasting gradients reduce with Sum over N·H·W instead.
 */
export function batchNorm(vs: VariableStore, name: string, channels: number, momentum = 0.9, eps = 1e-5) {
  const gamma = vs.constant(`${name}/gamma`, [channels], 1, true, true) as tf.Variable<tf.Rank.R1>;
  const beta = vs.constant(`${name}/beta`, [channels], 0, true, true) as tf.Variable<tf.Rank.R1>;
  const runMean = vs.constant(`${name}/moving_mean`, [channels], 0, false) as tf.Variable<tf.Rank.R1>;
  const runVar = vs.constant(`${name}/moving_variance`, [channels], 1, false) as tf.Variable<tf.Rank.R1>;
  return (x: tf.Tensor4D, o: ForwardOpts): tf.Tensor4D => {
    if (!o.training) {
      // y = x·s + (β − μ·s) with s = γ/√(σ² + ε): two passes over x.
      const scale = tf.mul(gamma, tf.rsqrt(tf.add(runVar, eps)));
      return tf.add(tf.mul(x, scale), tf.sub(beta, tf.mul(runMean, scale))) as tf.Tensor4D;
    }
    const mean = tf.mean(x, [0, 1, 2]);
    const centered = tf.sub(x, mean);
    const variance = tf.mean(tf.square(centered), [0, 1, 2]);
    if (o.updateState) {
      // assign() is not recorded on the gradient tape, so the running statistics are not trained.
      // The running variance is the unbiased estimate, as in PyTorch and Keras.
      const n = x.shape[0] * x.shape[1] * x.shape[2];
      const v = tf.mul(variance, n / Math.max(1, n - 1));
      runMean.assign(tf.add(tf.mul(runMean, momentum), tf.mul(mean, 1 - momentum)));
      runVar.assign(tf.add(tf.mul(runVar, momentum), tf.mul(v, 1 - momentum)));
    }
    const scale = tf.mul(gamma, tf.rsqrt(tf.add(variance, eps)));
    return tf.add(tf.mul(centered, scale), beta) as tf.Tensor4D;
  };
}
