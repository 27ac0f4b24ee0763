// Everything a stepper carries from step to step, as one flat record of named tensors for
// checkpoints: the base optimizer's state (names as they always were, so old checkpoints load),
// the SAM variant's state under "<variant>/…", and the step count under "stepper/t".
import * as tf from '@tensorflow/tfjs-core';
import type { OptState } from './types';

/** The stepper's step count in getState() (int32 scalar): it keys each step's randomness. */
export const STEP_KEY = 'stepper/t';

/** Keep `next` past the enclosing tf.tidy and dispose what `old` held that `next` does not. */
export function swapState(old: OptState, next: OptState): OptState {
  const out: OptState = {};
  for (const [k, t] of Object.entries(next)) out[k] = tf.keep(t);
  const kept = new Set(Object.values(out));
  for (const t of Object.values(old)) if (!kept.has(t)) t.dispose();
  return out;
}

export class StepperState {
  base: OptState;
  variant: OptState;
  /** Steps taken (restored from checkpoints). */
  t = 0;

  constructor(
    base: OptState,
    variant: OptState,
    private readonly variantName: string | null,
    private readonly baseName: string,
  ) {
    this.base = swapState({}, base);
    this.variant = swapState({}, variant);
  }

  /** Clones of every tensor, named; the caller disposes them. */
  snapshot(): OptState {
    const out: OptState = {};
    for (const [k, t] of Object.entries(this.base)) out[k] = tf.clone(t);
    for (const [k, t] of Object.entries(this.variant)) out[`${this.variantName}/${k}`] = tf.clone(t);
    out[STEP_KEY] = tf.scalar(this.t, 'int32');
    return out;
  }

  /** Replace everything from a snapshot (cloned; the caller keeps the input). Checks names, shapes and dtypes first. */
  restore(saved: OptState): void {
    const current = this.snapshot();
    try {
      // Checkpoints written before the stepper counted its steps have no STEP_KEY: they start at 0.
      const want = Object.keys(current).filter((k) => k !== STEP_KEY).sort();
      const got = Object.keys(saved).filter((k) => k !== STEP_KEY).sort();
      const missing = want.filter((k) => !(k in saved));
      const extra = got.filter((k) => !(k in current));
      if (missing.length || extra.length) {
        const what = this.variantName ? `${this.variantName}(${this.baseName})` : this.baseName;
        throw new Error(
          `Stepper.setState: optimizer state does not fit ${what}` +
            (missing.length ? `; missing ${missing.join(', ')}` : '') +
            (extra.length ? `; unexpected ${extra.join(', ')}` : '') +
            ' (was the checkpoint written with another optimizer, SAM variant or model?)',
        );
      }
      for (const k of want) {
        const [a, b] = [current[k], saved[k]];
        if (a.dtype !== b.dtype || a.shape.join(',') !== b.shape.join(',')) {
          throw new Error(`Stepper.setState: "${k}" has shape [${b.shape}] ${b.dtype}, expected [${a.shape}] ${a.dtype}`);
        }
      }
    } finally {
      tf.dispose(Object.values(current));
    }
    const prefix = `${this.variantName}/`;
    const pick = (inVariant: boolean) =>
      Object.fromEntries(
        Object.entries(saved)
          .filter(([k]) => k !== STEP_KEY && (this.variantName !== null && k.startsWith(prefix)) === inVariant)
          .map(([k, t]) => [inVariant ? k.slice(prefix.length) : k, tf.clone(t)]),
      );
    this.base = swapState(this.base, pick(false));
    this.variant = swapState(this.variant, pick(true));
    const steps = saved[STEP_KEY];
    this.t = steps ? steps.dataSync()[0] : 0;
  }

  dispose(): void {
    tf.dispose([...Object.values(this.base), ...Object.values(this.variant)]);
    this.base = {};
    this.variant = {};
  }
}
