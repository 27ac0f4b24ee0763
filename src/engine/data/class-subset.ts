// data.classes: keep only some classes of a source, relabelled 0…k−1 in the order given, before
// any split or limit (so data.limit counts examples of the kept classes). The fine-tuning study
// pre-trains on Fashion-MNIST's classes 0–4 and fine-tunes on 5–9 this way. Pixels are copied
// only for the rows kept; the source arrays are left untouched.
import { DataError } from './errors';
import { featureSize, type RawDataset, type RawSplit } from './raw';

function subset(split: RawSplit, rowSize: number, relabel: Int32Array): RawSplit {
  let n = 0;
  for (let i = 0; i < split.n; i++) if (relabel[split.y[i]] >= 0) n++;
  const x = split.x instanceof Uint8Array ? new Uint8Array(n * rowSize) : new Float32Array(n * rowSize);
  const y = new Int32Array(n);
  let k = 0;
  for (let i = 0; i < split.n; i++) {
    const label = relabel[split.y[i]];
    if (label < 0) continue;
    x.set(split.x.subarray(i * rowSize, (i + 1) * rowSize), k * rowSize);
    y[k++] = label;
  }
  return { x, y, n };
}

/** The source restricted to `classes` (relabelled by position), or the source itself for null. */
export function selectClasses(raw: RawDataset, classes: readonly number[] | null | undefined): RawDataset {
  if (!classes) return raw;
  const unknown = classes.filter((c) => c >= raw.numClasses);
  if (unknown.length) {
    throw new DataError(`data.classes: ${raw.name} has classes 0–${raw.numClasses - 1} (${raw.classNames.join(', ')}); there is no class ${unknown.join(', ')}`);
  }
  const relabel = new Int32Array(raw.numClasses).fill(-1);
  classes.forEach((c, i) => (relabel[c] = i));
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
