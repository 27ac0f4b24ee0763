// The heap pool that splits our JS wasm kernels across threads: shares of a task over a shared
// heap give exactly the result of one share, and a task that fails on a worker is an error on the
// calling thread (never a hang, never a dead pool).
import { afterAll, describe, expect, it } from 'vitest';
import { HeapPool, PARALLEL_MIN_ELEMENTS } from '../../src/engine/wasm-kernels/heap-pool';
import { columnSumsTask, maxPoolGradTask, transposeTask } from '../../src/engine/wasm-kernels/heap-tasks';

const memory = new WebAssembly.Memory({ initial: 200, maximum: 400, shared: true });
const heap = () => memory.buffer;
const pools = [new HeapPool(heap, 1, memory), new HeapPool(heap, 2, memory), new HeapPool(heap, 3, memory)];
afterAll(() => pools.forEach((p) => p.dispose()));

function fill(offset: number, n: number, seed: number): void {
  const v = new Float32Array(memory.buffer, offset, n);
  let s = seed;
  for (let i = 0; i < n; i++) {
    s = (s * 1103515245 + 12345) % 2147483648;
    v[i] = Math.round((s / 2147483648) * 8) - 4; // small integers: many ties, exact sums
  }
}
const read = (offset: number, n: number) => Array.from(new Float32Array(memory.buffer, offset, n));

describe('heap pool', () => {
  it('splits a transpose into shares that together equal one share, for every pool size', () => {
    const n = 24 * 40 * 70; // > PARALLEL_MIN_ELEMENTS
    expect(n).toBeGreaterThan(PARALLEL_MIN_ELEMENTS);
    fill(0, n, 1);
    const outs = pools.map((p, i) => {
      const out = (i + 1) * 4 * n;
      p.run(transposeTask, [0, out, 0, 3, 24, 40, 70, 2, 0, 1], n);
      return read(out, n);
    });
    const x = read(0, n);
    expect(outs[0][5 * 24 * 40 + 3 * 40 + 7]).toBe(x[(3 * 40 + 7) * 70 + 5]); // out[c][a][b] = x[a][b][c]
    expect(outs[1]).toEqual(outs[0]);
    expect(outs[2]).toEqual(outs[0]);
    // Whole rows of 70 move: [24, 40, 70] → [40, 24, 70].
    const rows = pools.map((p, i) => {
      const out = (i + 1) * 4 * n;
      p.run(transposeTask, [0, out, 0, 3, 24, 40, 70, 1, 0, 2], n);
      return read(out, n);
    });
    expect(rows[0][(7 * 24 + 3) * 70 + 5]).toBe(x[(3 * 40 + 7) * 70 + 5]);
    expect(rows[1]).toEqual(rows[0]);
    expect(rows[2]).toEqual(rows[0]);
  });

  it('column sums and the max-pool gradient agree across pool sizes', () => {
    const rows = 6000;
    const cols = 24;
    fill(0, rows * cols, 2);
    const sums = pools.map((p) => {
      const parts = p.partsFor(rows * cols);
      p.run(columnSumsTask, [0, 1 << 20, rows, cols], rows * cols);
      const acc = new Float64Array(memory.buffer, 1 << 20, parts * cols);
      return Array.from({ length: cols }, (_, c) => Array.from({ length: parts }, (_, k) => acc[k * cols + c]).reduce((a, b) => a + b, 0));
    });
    expect(sums[1]).toEqual(sums[0]);
    expect(sums[2]).toEqual(sums[0]);
    const [B, H, C] = [9, 40, 24];
    const n = B * H * H * C;
    fill(0, n, 3);
    fill(4 * n, n / 4, 4);
    const grads = pools.map((p) => {
      p.run(maxPoolGradTask, [0, 4 * n, 8 * n, B, H, H, C, H / 2, H / 2, 2, 2, 2, 2, 0, 0], n);
      return read(8 * n, n);
    });
    expect(grads[1]).toEqual(grads[0]);
    expect(grads[2]).toEqual(grads[0]);
  });

  it('a share that fails on a worker is an error on the caller, and the pool keeps working', () => {
    const rows = 6000;
    const cols = 24;
    // Share 0's partial sums end exactly at the end of the heap; share 1's would lie past it.
    const partials = memory.buffer.byteLength - cols * 8;
    expect(() => pools[1].run(columnSumsTask, [0, partials, rows, cols], rows * cols)).toThrow(/a wasm heap worker failed: RangeError/);
    // Every share failing: the caller's own error, and no stale failure left for the next task.
    const n = PARALLEL_MIN_ELEMENTS * 2;
    expect(() => pools[1].run(transposeTask, [memory.buffer.byteLength, 0, 0, 2, 256, n / 256, 1, 0], n)).toThrow(RangeError);
    fill(0, n, 5);
    pools[1].run(transposeTask, [0, 4 * n, 0, 2, 256, n / 256, 1, 0], n);
    pools[0].run(transposeTask, [0, 8 * n, 0, 2, 256, n / 256, 1, 0], n);
    expect(read(4 * n, n)).toEqual(read(8 * n, n));
  });
});
