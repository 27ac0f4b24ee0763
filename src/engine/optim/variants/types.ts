// The one interface every SAM variant implements (issue 13, "Shape"): what it perturbs, how it
// combines the passes' gradients, how many passes a step takes and what state it keeps. The
// stepper is the one generic loop around it. Like the base optimizers (optax's init/update),
// a variant is pure: state goes in and comes out as named tensors, so checkpoints store it as-is.
import type * as tf from '@tensorflow/tfjs-core';
import type { OptState } from '../types';

/** What a variant knows about the step being taken. */
export interface StepInfo {
  /** Steps taken before this one (0-based; restored from checkpoints). */
  readonly t: number;
  /** This step's learning rate (GSAM's ρ_t follows it). */
  readonly lr: number;
  /** Seed of this chunk's own draws at this step (ESAM's weight mask): fixed by (run seed, t, chunk). */
  readonly seed: number;
}

/** The first pass of a chunk, at w. */
export interface FirstPass {
  /** ∇L(w) (with the L2 term when weight decay lives in the loss). */
  readonly g: readonly tf.Tensor[];
  /** ‖g‖₂, computed anyway for the metrics. */
  readonly gNorm: tf.Scalar;
  readonly params: readonly tf.Tensor[];
  readonly state: OptState;
  readonly info: StepInfo;
}

export interface Perturbation {
  eps: tf.Tensor[];
  /** ‖ε̂‖₂ (reported as epsNorm). */
  epsNorm: tf.Scalar;
}

export interface Combined {
  /** What the base optimizer steps with. */
  grads: readonly tf.Tensor[];
  /** The variant's state after this step (the input state when it keeps none). */
  state: OptState;
}

export interface SamVariant {
  /** Lower-case name: 'sam', 'gsam', … (Stepper.name shows it as 'gsam(sgd)'). */
  readonly name: string;
  /** May m-sharpness split the batch into chunks? No for variants whose state spans steps. */
  readonly chunkable: boolean;
  /** Fresh state for these parameters ({} when the variant keeps none). */
  init(params: readonly tf.Tensor[]): OptState;
  /** 2: perturb, then a second pass at w + ε̂. 1: the first pass alone (LookSAM between its SAM steps). */
  passes(info: StepInfo): 1 | 2;
  /** ε̂ from the first pass. Called inside tf.tidy. */
  perturb(first: FirstPass): Perturbation;
  /**
   * ESAM's data selection: the rows (int32 indices) the second pass sees, from each example's loss
   * at w and at w + ε̂. Absent: every row, and no extra forward pass.
   */
  select?(before: tf.Tensor1D, after: tf.Tensor1D): tf.Tensor1D;
  /** The step's gradient from g and the second pass's gp (null on a one-pass step). Inside tf.tidy. */
  combine(first: FirstPass, gp: readonly tf.Tensor[] | null): Combined;
}

/** gp on a two-pass step; an error naming the variant if the stepper skipped the second pass. */
export function secondPass(gp: readonly tf.Tensor[] | null, variant: string): readonly tf.Tensor[] {
  if (!gp) throw new Error(`${variant}: combine() needs the second pass's gradient on a two-pass step`);
  return gp;
}
