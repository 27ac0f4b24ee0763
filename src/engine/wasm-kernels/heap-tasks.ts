// The loops of our JS wasm kernels (transpose, leading-axis sums, max-pool gradient), written so
// that one call does one share (`part` of `parts`) of the work. The main thread runs them with
// parts = 1 on the single-threaded build; on the threaded build heap-pool.ts runs the shares at
// once on worker threads over the shared wasm heap. Workers get these functions as source text
// (Function.prototype.toString), so each must be self-contained: no imports, no outer names.
// Arguments come as numbers in `a` (byte offsets into the heap, sizes, shapes).

/** A task: reads/writes the heap `buf`, arguments in `a`, does share `part` of `parts`. */
export type HeapTask = (buf: ArrayBufferLike, a: Float64Array, part: number, parts: number) => void;

/**
 * out = transpose(x, perm) for a simplified shape/perm (see transpose.ts): whole rows copied when
 * the innermost axis stays, else cache-tiled between the input's and the output's innermost axes.
 * Shares split the output's rows, or the outer axes' index range (or, for a plain 2-D transpose,
 * the output's row tiles).
 * a = [xOffset, outOffset, int32 (0/1), rank, ...shape, ...perm]
 */
export function transposeTask(buf: ArrayBufferLike, a: Float64Array, part: number, parts: number): void {
  const TILE = 32;
  const r = a[3];
  const shape: number[] = [];
  const perm: number[] = [];
  for (let i = 0; i < r; i++) shape.push(a[4 + i]);
  for (let i = 0; i < r; i++) perm.push(a[4 + r + i]);
  let n = 1;
  for (const d of shape) n *= d;
  const x = a[2] ? new Int32Array(buf, a[0], n) : new Float32Array(buf, a[0], n);
  const out = a[2] ? new Int32Array(buf, a[1], n) : new Float32Array(buf, a[1], n);
  const strides = (s: number[]) => {
    const st = new Array<number>(s.length);
    let acc = 1;
    for (let i = s.length - 1; i >= 0; i--) {
      st[i] = acc;
      acc *= s[i];
    }
    return st;
  };
  const inS = strides(shape);
  const outShape = perm.map((p) => shape[p]);
  const outS = strides(outShape);
  if (perm[r - 1] === r - 1) {
    // The innermost axis stays: whole rows move. Shares split the output's rows.
    const len = shape[r - 1];
    const rows = n / len;
    const lo = Math.floor((rows * part) / parts);
    const hi = Math.floor((rows * (part + 1)) / parts);
    const idx = new Array<number>(r - 1).fill(0);
    let src = 0;
    for (let d = r - 2, rest = lo; d >= 0; d--) {
      idx[d] = rest % outShape[d];
      rest = Math.floor(rest / outShape[d]);
      src += idx[d] * inS[perm[d]];
    }
    for (let row = lo, dst = lo * len; row < hi; row++, dst += len) {
      for (let i = 0; i < len; i++) out[dst + i] = x[src + i];
      for (let d = r - 2; d >= 0; d--) {
        idx[d]++;
        src += inS[perm[d]];
        if (idx[d] < outShape[d]) break;
        src -= inS[perm[d]] * outShape[d];
        idx[d] = 0;
      }
    }
    return;
  }
  const ax = perm[r - 1]; // input axis that becomes the output's innermost
  const j = perm.indexOf(r - 1); // output position of the input's innermost axis
  const outer: number[] = [];
  for (let i = 0; i < r; i++) if (i !== r - 1 && i !== j) outer.push(i);
  const dims = outer.map((i) => outShape[i]);
  const inStep = outer.map((i) => inS[perm[i]]);
  const outStep = outer.map((i) => outS[i]);
  const nA = shape[ax];
  const nB = shape[r - 1];
  const inA = inS[ax];
  const outB = outS[j];
  let total = 1;
  for (const d of dims) total *= d;
  // Split the outer index range when there is one to split, else the tiles of axis A.
  const splitOuter = total >= parts;
  const lo = splitOuter ? Math.floor((total * part) / parts) : 0;
  const hi = splitOuter ? Math.floor((total * (part + 1)) / parts) : total;
  const tiles = Math.ceil(nA / TILE);
  const t0 = splitOuter ? 0 : Math.floor((tiles * part) / parts);
  const t1 = splitOuter ? tiles : Math.floor((tiles * (part + 1)) / parts);
  // Odometer start at index `lo`.
  const idx = new Array<number>(outer.length).fill(0);
  let inBase = 0;
  let outBase = 0;
  for (let d = outer.length - 1, rest = lo; d >= 0; d--) {
    idx[d] = rest % dims[d];
    rest = Math.floor(rest / dims[d]);
    inBase += idx[d] * inStep[d];
    outBase += idx[d] * outStep[d];
  }
  for (let k = lo; k < hi; k++) {
    for (let ti = t0; ti < t1; ti++) {
      const i0 = ti * TILE;
      const i1 = Math.min(nA, i0 + TILE);
      for (let k0 = 0; k0 < nB; k0 += TILE) {
        const k1 = Math.min(nB, k0 + TILE);
        for (let kk = k0; kk < k1; kk++) {
          const o = outBase + kk * outB;
          const src = inBase + kk;
          for (let i = i0; i < i1; i++) out[o + i] = x[src + i * inA];
        }
      }
    }
    for (let d = outer.length - 1; d >= 0; d--) {
      idx[d]++;
      inBase += inStep[d];
      outBase += outStep[d];
      if (idx[d] < dims[d]) break;
      inBase -= inStep[d] * dims[d];
      outBase -= outStep[d] * dims[d];
      idx[d] = 0;
    }
  }
}

/**
 * Column sums of a rows × cols float32 matrix in float64: share p adds rows
 * [p·rows/parts, (p+1)·rows/parts) into its own row of the float64 scratch `partials`.
 * a = [xOffset, partialsOffset (8-aligned), rows, cols]
 */
export function columnSumsTask(buf: ArrayBufferLike, a: Float64Array, part: number, parts: number): void {
  const rows = a[2];
  const cols = a[3];
  const src = new Float32Array(buf, a[0], rows * cols);
  const acc = new Float64Array(buf, a[1] + part * cols * 8, cols);
  acc.fill(0);
  const r0 = Math.floor((rows * part) / parts);
  const r1 = Math.floor((rows * (part + 1)) / parts);
  if (cols === 1) {
    // A full reduction (the squared norms SAM's ε̂ needs): the same additions in the same order,
    // into a local double instead of a heap slot — ~3× faster (1.3 → 0.4 ms per 400k values).
    let sum = 0;
    for (let r = r0; r < r1; r++) sum += src[r];
    acc[0] = sum;
    return;
  }
  for (let r = r0, o = r0 * cols; r < r1; r++, o += cols) for (let c = 0; c < cols; c++) acc[c] += src[o + c];
}

/**
 * Max-pool gradient, NHWC: each window's first maximum (strict '>' scanning rows then columns,
 * the tfjs-cpu tie rule) receives dy. Shares split the batch; windows never cross batch items.
 * a = [xOffset, dyOffset, dxOffset, B, H, W, C, OH, OW, sh, sw, fh, fw, top, left]
 */
export function maxPoolGradTask(buf: ArrayBufferLike, a: Float64Array, part: number, parts: number): void {
  const [, , , B, H, W, C, OH, OW, sh, sw, fh, fw, top, left] = a;
  const x = new Float32Array(buf, a[0], B * H * W * C);
  const g = new Float32Array(buf, a[1], B * OH * OW * C);
  const dx = new Float32Array(buf, a[2], B * H * W * C);
  const b0 = Math.floor((B * part) / parts);
  const b1 = Math.floor((B * (part + 1)) / parts);
  dx.fill(0, b0 * H * W * C, b1 * H * W * C);
  for (let b = b0; b < b1; b++) {
    const xb = b * H * W * C;
    for (let oy = 0; oy < OH; oy++) {
      const r0 = Math.max(0, oy * sh - top);
      const r1 = Math.min(H, oy * sh - top + fh);
      for (let ox = 0; ox < OW; ox++) {
        const c0 = Math.max(0, ox * sw - left);
        const c1 = Math.min(W, ox * sw - left + fw);
        const gBase = ((b * OH + oy) * OW + ox) * C;
        if (r1 - r0 === 2 && c1 - c0 === 2 && fh === 2 && fw === 2) {
          // The common 2×2 window, unrolled; same scan order (row-major) and strict '>'.
          const i00 = xb + (r0 * W + c0) * C;
          const i01 = i00 + C;
          const i10 = i00 + W * C;
          const i11 = i10 + C;
          for (let d = 0; d < C; d++) {
            let best = x[i00 + d];
            let pos = i00 + d;
            const v1 = x[i01 + d];
            if (v1 > best) {
              best = v1;
              pos = i01 + d;
            }
            const v2 = x[i10 + d];
            if (v2 > best) {
              best = v2;
              pos = i10 + d;
            }
            if (x[i11 + d] > best) pos = i11 + d;
            dx[pos] += g[gBase + d];
          }
          continue;
        }
        for (let d = 0; d < C; d++) {
          let best = -Infinity;
          let pos = -1;
          for (let rr = r0; rr < r1; rr++) {
            for (let cc = c0; cc < c1; cc++) {
              const i = xb + (rr * W + cc) * C + d;
              const v = x[i];
              if (v > best) {
                best = v;
                pos = i;
              }
            }
          }
          if (pos >= 0) dx[pos] += g[gBase + d];
        }
      }
    }
  }
}

/** Every task by id; the order is the wire format between the main thread and the workers. */
export const HEAP_TASKS: readonly HeapTask[] = [transposeTask, columnSumsTask, maxPoolGradTask];
