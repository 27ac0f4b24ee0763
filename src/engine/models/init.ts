// Seeded weight initialisers, so a run is reproducible from its seed on any backend, and the
// schemes behind `model.init` (config.ts). Per layer, fan_in = inputs per output unit (dense: in;
// conv k×k: k·k·in), fan_out = k·k·out (dense: out):
//
//   scheme           kernel (dense, conv)                              bias               batch norm
//   'pytorch'        U(±1/√fan_in)                                     U(±1/√fan_in)      γ = 1, β = 0
//   'he-normal'      N(0, 2/fan_in) for a conv, or a dense layer       0                  γ = 1, β = 0
//                    before ReLU/ELU/GELU; else U(±√(6/(fan_in + fan_out)))
//   'glorot-uniform' U(±√(6/(fan_in + fan_out)))                       0                  γ = 1, β = 0
//
// 'pytorch' is exactly what torch.nn.Linear and torch.nn.Conv2d do in reset_parameters():
// kaiming_uniform_(weight, a=√5), i.e. gain √(2/(1 + 5)) and bound gain·√(3/fan_in) = 1/√fan_in,
// and the bias uniform in ±1/√fan_in; BatchNorm2d starts at weight 1, bias 0, running mean 0 and
// running variance 1. A PyTorch model built from those layers starts from the same distribution
// (weights exported from here load into it as they are; the draws differ, the scheme does not).
// Model zoos that re-initialise on top of the layer defaults (torchvision's ResNets: kaiming_normal_
// fan_out convs; davda54/sam's WRN: kaiming_normal_ fan_in convs and a zero Linear) are their own
// choices, not PyTorch's defaults. He et al. 2015 (√(2/fan_in)); Glorot & Bengio 2010.
// Every scheme draws kernel then bias, layer by layer in creation order, from the model's stream.
import * as tf from '@tensorflow/tfjs-core';
import type { InitScheme } from '../../shared/config';
import type { Rng } from '../rng';

const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

export function heNormal(shape: number[], fanIn: number, rng: Rng): Float32Array {
  const std = Math.sqrt(2 / fanIn);
  const v = new Float32Array(size(shape));
  for (let i = 0; i < v.length; i++) v[i] = rng.normal() * std;
  return v;
}

/** U(−limit, limit), element by element from `rng`. */
export function uniform(shape: number[], limit: number, rng: Rng): Float32Array {
  const v = new Float32Array(size(shape));
  for (let i = 0; i < v.length; i++) v[i] = (rng.next() * 2 - 1) * limit;
  return v;
}

export function glorotUniform(shape: number[], fanIn: number, fanOut: number, rng: Rng): Float32Array {
  return uniform(shape, Math.sqrt(6 / (fanIn + fanOut)), rng);
}

/** The scheme and the model's seeded stream, handed to every layer builder. */
export interface Init {
  scheme: InitScheme;
  rng: Rng;
}

export interface LayerSpec {
  kernelShape: number[];
  fanIn: number;
  fanOut: number;
  /** A ReLU-type activation (or, for convs, a ReLU or batch norm) follows: He init under 'he-normal'. */
  reluFollows: boolean;
  /** Output units of the bias, or 0 for a layer without one. */
  biasSize: number;
}

/** Initial kernel and bias (null without one) of one dense or conv layer, per the table above. */
export function initLayer(init: Init, l: LayerSpec): { kernel: Float32Array; bias: Float32Array | null } {
  const { rng } = init;
  switch (init.scheme) {
    case 'pytorch': {
      const bound = 1 / Math.sqrt(l.fanIn);
      const kernel = uniform(l.kernelShape, bound, rng);
      return { kernel, bias: l.biasSize > 0 ? uniform([l.biasSize], bound, rng) : null };
    }
    case 'he-normal': {
      const kernel = l.reluFollows ? heNormal(l.kernelShape, l.fanIn, rng) : glorotUniform(l.kernelShape, l.fanIn, l.fanOut, rng);
      return { kernel, bias: l.biasSize > 0 ? new Float32Array(l.biasSize) : null };
    }
    case 'glorot-uniform':
      return { kernel: glorotUniform(l.kernelShape, l.fanIn, l.fanOut, rng), bias: l.biasSize > 0 ? new Float32Array(l.biasSize) : null };
    default:
      throw new Error(`unknown model.init "${String(init.scheme)}"; choose pytorch, he-normal or glorot-uniform`);
  }
}

let instances = 0;

/** Name of the classifier head's layer in every built-in model (mlp, cnn, resnets). */
export const HEAD_LAYER = 'logits';

/**
 * Collects a model's variables in creation order (checkpoints and flat vectors rely on it).
 * tfjs variable names are global to the engine, so each model instance gets its own prefix.
 */
export class VariableStore {
  readonly params: tf.Variable[] = [];
  /** Per param: is it a normalisation layer's scale or offset (EngineModel.normalization)? */
  readonly normalization: boolean[] = [];
  /** Per param: is it the classifier head's (EngineModel.head)? The head is the layer named `logits`. */
  readonly head: boolean[] = [];
  readonly state: tf.Variable[] = [];
  private names = new Set<string>();
  private readonly prefix = `model${++instances}`;

  private make(name: string, shape: number[], values: Float32Array, trainable: boolean, normalization = false): tf.Variable {
    if (this.names.has(name)) throw new Error(`duplicate variable name ${name}`);
    this.names.add(name);
    const v = tf.tidy(() => tf.variable(tf.tensor(values, shape, 'float32'), trainable, `${this.prefix}/${name}`));
    (trainable ? this.params : this.state).push(v);
    if (trainable) {
      this.normalization.push(normalization);
      this.head.push(name.startsWith(`${HEAD_LAYER}/`));
    }
    return v;
  }
  param(name: string, shape: number[], values: Float32Array): tf.Variable {
    return this.make(name, shape, values, true);
  }
  constant(name: string, shape: number[], fill: number, trainable: boolean, normalization = false): tf.Variable {
    return this.make(name, shape, new Float32Array(size(shape)).fill(fill), trainable, normalization);
  }
  get paramCount(): number {
    return this.params.reduce((n, p) => n + p.size, 0);
  }
  dispose(): void {
    for (const v of [...this.params, ...this.state]) v.dispose();
  }
}
