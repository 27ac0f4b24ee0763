// The randomness of one training step as a pure function of (run seed, step index, stream), so a
// step draws the same numbers whether or not the run was interrupted and resumed before it.
// Stream = the m-sharpness chunk: each chunk is its own "device" with its own key, as in the SAM
// paper's JAX code (one dropout key per device and step, fed to both of its passes).
import { Rng } from '../rng';

const DROPOUT_SALT = 0xd409;
const VARIANT_SALT = 0x5a77;

/** Dropout key of chunk `stream` at step `t`: every pass of that chunk in that step replays it. */
export function dropoutKey(seed: number, t: number, stream: number): number {
  return new Rng(seed).fork(DROPOUT_SALT + t).fork(stream).int(2 ** 31);
}

/** Seed of a variant's own draws (ESAM's weight mask) for chunk `stream` at step `t`. */
export function variantSeed(seed: number, t: number, stream: number): number {
  return new Rng(seed).fork(VARIANT_SALT + t).fork(stream).int(2 ** 31);
}
