// What each rung of the backend ladder reports when it tries to come up.
import type { BackendName } from '../../shared/config';

export type ProbeResult =
  | { ok: true; details: Record<string, string | number | boolean> }
  | { ok: false; reason: string };

/** What a run asks of the backend it lands on (rungs ignore what does not apply to them). */
export interface ActivateOptions {
  /** CPU threads for the wasm backend; null or absent = every core. */
  threads?: number | null;
}

/** One rung: `probe` checks availability without switching; `activate` makes it the tfjs backend. */
export interface BackendRung {
  name: BackendName;
  probe(): Promise<ProbeResult>;
  activate(opts?: ActivateOptions): Promise<ProbeResult>;
}

export function errorText(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  // Native loader errors can be many lines long; the first says what went wrong.
  return msg.split('\n')[0].slice(0, 300);
}
