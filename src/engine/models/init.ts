// Seeded weight initialisers, so a run is reproducible from its seed on any backend.
// He (Kaiming) normal for layers followed by ReLU (He et al. 2015, std = √(2/fan_in));
// Glorot (Xavier) uniform elsewhere (Glorot & Bengio 2010, limit = √(6/(fan_in+fan_out))).
import * as tf from '@tensorflow/tfjs-core';
import type { Rng } from '../rng';

const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

export function heNormal(shape: number[], fanIn: number, rng: Rng): Float32Array {
  const std = Math.sqrt(2 / fanIn);
  const v = new Float32Array(size(shape));
  for (let i = 0; i < v.length; i++) v[i] = rng.normal() * std;
  return v;
}

export function glorotUniform(shape: number[], fanIn: number, fanOut: number, rng: Rng): Float32Array {
  const limit = Math.sqrt(6 / (fanIn + fanOut));
  const v = new Float32Array(size(shape));
  for (let i = 0; i < v.length; i++) v[i] = (rng.next() * 2 - 1) * limit;
  return v;
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
