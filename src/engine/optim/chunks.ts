// Running sums over m-sharpness chunks (Foret et al. 2021, §4.1): each chunk of m examples is
// stepped as if it were its own device, and the stepper averages what the chunks return.
import * as tf from '@tensorflow/tfjs-core';

/** One chunk's (or a running sum of chunks') results. A type alias so tf.tidy can return it. */
export type ChunkSums = {
  /** First-pass gradients (their mean is the batch gradient, reported as gradNorm). */
  g: tf.Tensor[];
  /** The variant's combined gradients, what the base optimizer steps with. */
  dir: tf.Tensor[];
  loss: tf.Scalar;
  perturbedLoss: tf.Scalar;
  epsNorm: tf.Scalar;
  correct: tf.Scalar;
  /** Batch-norm running statistics after the chunk's first pass. */
  st: tf.Tensor[];
};

export function addSums(a: ChunkSums, b: ChunkSums): ChunkSums {
  const add = (u: tf.Tensor[], v: tf.Tensor[]) => u.map((t, j) => tf.add(t, v[j]));
  return {
    g: add(a.g, b.g),
    dir: add(a.dir, b.dir),
    loss: tf.add(a.loss, b.loss) as tf.Scalar,
    perturbedLoss: tf.add(a.perturbedLoss, b.perturbedLoss) as tf.Scalar,
    epsNorm: tf.add(a.epsNorm, b.epsNorm) as tf.Scalar,
    correct: tf.add(a.correct, b.correct) as tf.Scalar,
    st: add(a.st, b.st),
  };
}

export function disposeSums(a: ChunkSums): void {
  tf.dispose([...a.g, ...a.dir, a.loss, a.perturbedLoss, a.epsNorm, a.correct, ...a.st]);
}

/** The mean over k chunks (correct stays a count). */
export function meanOfSums(a: ChunkSums, k: number): ChunkSums {
  const div = (u: tf.Tensor[]) => u.map((t) => tf.div(t, k));
  const s = (t: tf.Scalar) => tf.div(t, k) as tf.Scalar;
  return { g: div(a.g), dir: div(a.dir), loss: s(a.loss), perturbedLoss: s(a.perturbedLoss), epsNorm: s(a.epsNorm), correct: a.correct, st: div(a.st) };
}
