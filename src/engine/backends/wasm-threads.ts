// How many threads the wasm backend computes on. The threaded SIMD build of tfjs-backend-wasm
// starts 8 pthread workers and its C++ side (backend.cc, init_with_threads_count) never makes the
// XNNPACK pool larger than that, so 8 is the most a run can get from it.
import { availableParallelism } from 'node:os';

/** The largest XNNPACK pool the threaded build can make (its pre-started pthread workers). */
export const WASM_MAX_THREADS = 8;

/** Environment variable giving the default when a run does not set `threads`. */
export const THREADS_ENV = 'SAM_WASM_THREADS';

/**
 * The cores this process may run on. `availableParallelism` honours CPU affinity (`taskset -c 0`
 * gives 1), which `os.cpus().length` — what the stock build asks for — does not.
 */
export function machineThreads(): number {
  return Math.max(1, availableParallelism());
}

export interface ThreadChoice {
  /** Threads the pool will have. */
  threads: number;
  /** Where the number came from, for the backend report. */
  source: 'run config' | typeof THREADS_ENV | 'all cores';
  /** Why `threads` is less than what was asked for, if it is. */
  note?: string;
}

function fromEnv(): number | null {
  const raw = process.env[THREADS_ENV]?.trim();
  if (!raw) return null;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${THREADS_ENV} must be a whole number ≥ 1, got "${raw}"; unset it to use every core`);
  return n;
}

/**
 * The pool size for a run: its `threads` setting, else $SAM_WASM_THREADS, else every core;
 * capped by what the build can do.
 */
export function chooseThreads(requested: number | null | undefined): ThreadChoice {
  const env = requested == null ? fromEnv() : null;
  const source: ThreadChoice['source'] = requested != null ? 'run config' : env != null ? THREADS_ENV : 'all cores';
  const want = requested ?? env ?? machineThreads();
  if (!Number.isInteger(want) || want < 1) throw new Error(`threads must be a whole number ≥ 1, got ${want}`);
  if (want <= WASM_MAX_THREADS) return { threads: want, source };
  return { threads: WASM_MAX_THREADS, source, note: `${want} threads asked for; the wasm build runs at most ${WASM_MAX_THREADS}` };
}
