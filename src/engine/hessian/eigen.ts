// Small symmetric eigen-solvers in float64 for the Lanczos tridiagonal matrices (≤ a few hundred
// rows) and for dense checks in tests. No dependency: both are textbook algorithms.

export interface EigenDecomposition {
  /** Ascending. */
  values: Float64Array;
  /** Row-major m×m: vectors[i * m + k] is component i of the eigenvector of values[k]. */
  vectors: Float64Array;
}

/**
 * Eigen-decomposition of the symmetric tridiagonal matrix with diagonal `alpha` (length m) and
 * off-diagonal `beta` (length m − 1) by the QL algorithm with implicit Wilkinson shifts
 * (Numerical Recipes §11.3, `tqli`), accumulating the rotations into the eigenvectors.
 */
export function tridiagonalEigen(alpha: ArrayLike<number>, beta: ArrayLike<number>): EigenDecomposition {
  const m = alpha.length;
  if (beta.length !== Math.max(0, m - 1)) throw new Error(`tridiagonalEigen: ${m} diagonal entries need ${m - 1} off-diagonal ones, got ${beta.length}`);
  const d = Float64Array.from(alpha);
  const e = new Float64Array(m);
  for (let i = 0; i < m - 1; i++) e[i] = beta[i];
  const z = new Float64Array(m * m);
  for (let i = 0; i < m; i++) z[i * m + i] = 1;
  for (let l = 0; l < m; l++) {
    let iter = 0;
    let mm: number;
    do {
      // Find a negligible off-diagonal element that splits the matrix.
      for (mm = l; mm < m - 1; mm++) {
        const dd = Math.abs(d[mm]) + Math.abs(d[mm + 1]);
        if (Math.abs(e[mm]) <= Number.EPSILON * dd) break;
      }
      if (mm !== l) {
        if (iter++ === 100) throw new Error('tridiagonalEigen: no convergence after 100 QL iterations');
        let g = (d[l + 1] - d[l]) / (2 * e[l]);
        let r = Math.hypot(g, 1);
        g = d[mm] - d[l] + e[l] / (g + (g >= 0 ? Math.abs(r) : -Math.abs(r)));
        let s = 1;
        let c = 1;
        let p = 0;
        let i: number;
        for (i = mm - 1; i >= l; i--) {
          let f = s * e[i];
          const b = c * e[i];
          r = Math.hypot(f, g);
          e[i + 1] = r;
          if (r === 0) {
            // Underflow: deflate and start over.
            d[i + 1] -= p;
            e[mm] = 0;
            break;
          }
          s = f / r;
          c = g / r;
          g = d[i + 1] - p;
          r = (d[i] - g) * s + 2 * c * b;
          p = s * r;
          d[i + 1] = g + p;
          g = c * r - b;
          for (let k = 0; k < m; k++) {
            f = z[k * m + i + 1];
            z[k * m + i + 1] = s * z[k * m + i] + c * f;
            z[k * m + i] = c * z[k * m + i] - s * f;
          }
        }
        if (r === 0 && i >= l) continue;
        d[l] -= p;
        e[l] = g;
        e[mm] = 0;
      }
    } while (mm !== l);
  }
  return sortAscending(d, z, m);
}

/**
 * Eigen-decomposition of a dense symmetric n×n matrix (row-major) by cyclic Jacobi rotations
 * (Golub & Van Loan §8.5). O(n³) per sweep: meant for n ≲ 1,000 (tests, small models).
 */
export function symmetricEigen(matrix: ArrayLike<number>, n: number, opts: { maxSweeps?: number } = {}): EigenDecomposition {
  if (matrix.length !== n * n) throw new Error(`symmetricEigen: expected ${n}×${n} = ${n * n} entries, got ${matrix.length}`);
  const a = Float64Array.from(matrix);
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  const maxSweeps = opts.maxSweeps ?? 50;
  let scaleSq = 0;
  for (let i = 0; i < n * n; i++) scaleSq += a[i] * a[i];
  for (let sweep = 0; sweep < maxSweeps; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += a[p * n + q] * a[p * n + q];
    if (off <= 1e-30 * scaleSq || off === 0) break;
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = a[p * n + q];
        if (apq === 0) continue;
        // Rotation angle that zeroes a[p][q]: tan 2θ = 2a_pq / (a_qq − a_pp), small root for stability.
        const theta = (a[q * n + q] - a[p * n + p]) / (2 * apq);
        const t = (theta >= 0 ? 1 : -1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = a[k * n + p];
          const akq = a[k * n + q];
          a[k * n + p] = c * akp - s * akq;
          a[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p * n + k];
          const aqk = a[q * n + k];
          a[p * n + k] = c * apk - s * aqk;
          a[q * n + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = v[k * n + p];
          const vkq = v[k * n + q];
          v[k * n + p] = c * vkp - s * vkq;
          v[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const d = new Float64Array(n);
  for (let i = 0; i < n; i++) d[i] = a[i * n + i];
  return sortAscending(d, v, n);
}

function sortAscending(d: Float64Array, z: Float64Array, m: number): EigenDecomposition {
  const order = Array.from({ length: m }, (_, i) => i).sort((x, y) => d[x] - d[y]);
  const values = Float64Array.from(order, (k) => d[k]);
  const vectors = new Float64Array(m * m);
  for (let i = 0; i < m; i++) for (let k = 0; k < m; k++) vectors[i * m + k] = z[i * m + order[k]];
  return { values, vectors };
}
