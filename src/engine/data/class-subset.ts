// data.classes: keep only some classes of a source, relabelled 0…k−1 in the order given, before
// any split or limit (so data.limit counts examples of the kept classes). The fine-tuning study
// pre-trains on Fashion-MNIST's classes 0–4 and fine-tunes on 5–9 this way. Pixels are copied
// only for the rows kept; the source arrays are left untouched.
import { DataError } from './errors';
import { featureSize, type RawDataset, type RawSplit } from './raw';

/** Rows of `split` whose class is kept, in source order: row k of the subset is row keptRows[k] of the source. */
function keptRows(split: RawSplit, relabel: Int32Array): Int32Array {
  const rows: number[] = [];
  for (let i = 0; i < split.n; i++) if (relabel[split.y[i]] >= 0) rows.push(i);
  return Int32Array.from(rows);
}

function subset(split: RawSplit, rowSize: number, relabel: Int32Array): RawSplit {
  const rows = keptRows(split, relabel);
  const n = rows.length;
  const x = split.x instanceof Uint8Array ? new Uint8Array(n * rowSize) : new Float32Array(n * rowSize);
  const y = new Int32Array(n);
  rows.forEach((i, k) => {
    x.set(split.x.subarray(i * rowSize, (i + 1) * rowSize), k * rowSize);
    y[k] = relabel[split.y[i]];
  });
  return { x, y, n };
}

/** Source label → subset label (−1: not kept), after checking every class exists. */
function relabelling(raw: RawDataset, classes: readonly number[]): Int32Array {
  const unknown = classes.filter((c) => c >= raw.numClasses);
  if (unknown.length) {
    throw new DataError(`data.classes: ${raw.name} has classes 0–${raw.numClasses - 1} (${raw.classNames.join(', ')}); there is no class ${unknown.join(', ')}`);
  }
  const relabel = new Int32Array(raw.numClasses).fill(-1);
  classes.forEach((c, i) => (relabel[c] = i));
  return relabel;
}

/**
 * Where the subset's rows come from: row k of selectClasses(raw, classes).train is row
 * train[k] of raw.train (test likewise). A PyTorch export plans over the subset, as the engine
 * does, and writes the rows in the source's numbering, so the script reads the source files.
 */
export function subsetSourceRows(raw: RawDataset, classes: readonly number[]): { train: Int32Array; test: Int32Array | null } {
  const relabel = relabelling(raw, classes);
  return { train: keptRows(raw.train, relabel), test: raw.test ? keptRows(raw.test, relabel) : null };
}

/** The source restricted to `classes` (relabelled by position), or the source itself for null. */
export function selectClasses(raw: RawDataset, classes: readonly number[] | null | undefined): RawDataset {
  if (!classes) return raw;
  const relabel = relabelling(raw, classes);
  const rowSize = featureSize(raw.inputShape);
  const train = subset(raw.train, rowSize, relabel);
  if (train.n === 0) throw new DataError(`data.classes: ${raw.source} has no training examples of classes ${classes.join(', ')}`);
  return {
    ...raw,
    numClasses: classes.length,
    classNames: classes.map((c) => raw.classNames[c] ?? String(c)),
    train,
    test: raw.test ? subset(raw.test, rowSize, relabel) : null,
  };
}
