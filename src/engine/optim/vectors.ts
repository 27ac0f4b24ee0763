// Parameter lists as one flat vector: the inner products the SAM variants decompose gradients with.
import * as tf from '@tensorflow/tfjs-core';

/** ⟨a, b⟩ over all tensors of the two lists, as one vector. */
export function dot(a: readonly tf.Tensor[], b: readonly tf.Tensor[]): tf.Scalar {
  return tf.tidy(() => tf.addN(a.map((t, i) => tf.sum(tf.mul(t, b[i])))) as tf.Scalar);
}

/** a + c·b element-wise over the lists (c a scalar tensor or number). */
export function addScaled(a: readonly tf.Tensor[], c: tf.Scalar | number, b: readonly tf.Tensor[]): tf.Tensor[] {
  return a.map((t, i) => tf.add(t, tf.mul(b[i], c)));
}

/** The part of v orthogonal to u: v − (⟨v, u⟩/‖u‖²)·u; v itself when u = 0 (divNoNan). */
export function orthogonalPart(v: readonly tf.Tensor[], u: readonly tf.Tensor[]): tf.Tensor[] {
  const c = tf.neg(tf.divNoNan(dot(v, u), dot(u, u))) as tf.Scalar;
  return addScaled(v, c, u);
}
