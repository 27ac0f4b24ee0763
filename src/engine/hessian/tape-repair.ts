// Workaround for a tfjs-core 4.x tape-ordering bug that silently breaks gradients of gradients.
//
// When a kernel saves its *output* for the backward pass (tanh, sigmoid, exp, logSoftmax, …),
// engine.saveTensorsForBackwardMode clones it and records the clone's tape node *before* the
// kernel's own node. getFilteredNodesXToY walks the tape in order, so the clone looks unconnected
// to the inputs and double backpropagation treats the saved output as a constant: the HVP loses
// every term that flows through it (measured: ≈ 85 % relative error on a tanh/log-softmax MLP).
// Re-ordering the active tape topologically (each node after the producers of its inputs) before
// the outer gradient reads it restores the missing edges; the results then match central finite
// differences to ~1e-5. The HVP code still verifies exact against finite differences once, so if
// a future tfjs changes these internals the fallback catches it.
import * as tf from '@tensorflow/tfjs-core';

interface TapeNodeLike {
  inputs: Record<string, tf.Tensor | null | undefined>;
  outputs: (tf.Tensor | null | undefined)[];
  saved?: tf.Tensor[];
}
interface EngineStateLike {
  activeTape: TapeNodeLike[] | null;
  gradientDepth: number;
}

function engineState(): EngineStateLike | null {
  const state = (tf.engine() as unknown as { state?: Partial<EngineStateLike> }).state;
  if (!state || !('activeTape' in state) || typeof state.gradientDepth !== 'number') return null;
  return state as EngineStateLike;
}

/**
 * Stable topological sort of the active tape in place (depth-first, original order otherwise).
 * Returns how many nodes moved, or -1 when the engine's internals are not what we expect.
 */
export function repairTapeOrder(): number {
  const state = engineState();
  const tape = state?.activeTape;
  if (!tape || !Array.isArray(tape)) return -1;
  const producer = new Map<number, number>();
  tape.forEach((node, i) => node.outputs.forEach((o) => o && producer.set(o.id, i)));
  const visited = new Uint8Array(tape.length);
  const order: TapeNodeLike[] = [];
  for (let root = 0; root < tape.length; root++) {
    if (visited[root]) continue;
    // Iterative post-order DFS over "input produced by" edges: producers are emitted first.
    const stack: [number, boolean][] = [[root, false]];
    while (stack.length > 0) {
      const [j, expanded] = stack.pop()!;
      if (expanded) {
        order.push(tape[j]);
        continue;
      }
      if (visited[j]) continue;
      visited[j] = 1;
      stack.push([j, true]);
      const deps: number[] = [];
      for (const t of Object.values(tape[j].inputs)) {
        const p = t ? producer.get(t.id) : undefined;
        if (p !== undefined && !visited[p]) deps.push(p);
      }
      for (let q = deps.length - 1; q >= 0; q--) stack.push([deps[q], false]);
    }
  }
  let moved = 0;
  order.forEach((node, i) => {
    if (tape[i] !== node) moved++;
    tape[i] = node;
  });
  return moved;
}

/**
 * After a gradient computation threw (e.g. "gradient function not found for EluGrad"), tfjs
 * leaves the tape and the tensors saved for it alive. Free them so a failed exact attempt does not
 * leak activations; only when no gradient is being recorded any more.
 */
export function releaseAbandonedTape(): void {
  const state = engineState();
  if (!state || state.gradientDepth !== 0 || !state.activeTape) return;
  for (const node of state.activeTape) for (const t of node.saved ?? []) if (!t.isDisposed) t.dispose();
  state.activeTape = null;
}
