// The data half of an export: what the app decided for this run's data, written so the Python
// script rebuilds the app's splits to the bit (template/sam_studio/data.py reads it). Named sets
// travel as a folder to read on the target machine (plus sizes and a label checksum, so a
// different copy is refused); CSV, image-folder and synthetic sets travel as the app's decoded
// arrays. Rows, the noisy training labels and the normalisation are the pipeline's own plan
// (src/engine/data/pipeline.ts planDataset), made as the engine makes it: over the source
// restricted to data.classes (relabelled 0…k−1), its rows then written in the source's own
// numbering and the classes listed, so the script reads the source files and relabels.
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunConfig } from '../../../../shared/config';
import { defaultDir, isNamedSet, NAMED_SETS } from '../../../../engine/data/catalog';
import { loadRaw, planDataset, type RawDataset } from '../../../../engine/data/index';
import { selectClasses, subsetSourceRows } from '../../../../engine/data/class-subset';

export interface ArraySpec {
  file: string;
  dtype: '<f4' | '<i4' | '|u1';
  shape: number[];
}

export type DataSource =
  | { kind: 'idx' | 'cifar10' | 'cifar100'; dir: string }
  | { kind: 'arrays'; train: { x: ArraySpec; y: ArraySpec }; test: { x: ArraySpec; y: ArraySpec } | null };

/** export.json's "data" block. */
export interface ExportedData {
  name: string;
  inputShape: number[];
  /** After data.classes: the run's classes. */
  numClasses: number;
  classNames: string[];
  /** data.classes: the source's labels kept, label i being classes[i]; null = all, unchanged. */
  classes: number[] | null;
  source: DataSource;
  rawSizes: { train: number; test: number | null };
  /** sha256 of the source's training labels as little-endian int32. */
  trainLabelsSha256: string;
  rows: { train: ArraySpec; validation: ArraySpec | null; test: ArraySpec };
  testFrom: 'train' | 'test';
  trainLabels: ArraySpec;
  noisyLabels: number;
  normalization: { kind: string; scale: number; mean: number[]; std: number[] };
}

function writeArray(out: string, file: string, a: Uint8Array | Int32Array | Float32Array, shape: number[]): ArraySpec {
  mkdirSync(join(out, 'data'), { recursive: true });
  writeFileSync(join(out, 'data', file), new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
  const dtype = a instanceof Uint8Array ? '|u1' : a instanceof Int32Array ? '<i4' : '<f4';
  return { file: `data/${file}`, dtype, shape };
}

function sourceOf(config: RunConfig, raw: RawDataset, out: string): DataSource {
  const name = config.data.name;
  if (isNamedSet(name)) {
    const format = NAMED_SETS[name].format;
    return { kind: format, dir: defaultDir(name, config.data.path) };
  }
  const split = (which: 'train' | 'test') => {
    const s = raw[which];
    if (!s) return null;
    return { x: writeArray(out, `${which}-x.bin`, s.x, [s.n, ...raw.inputShape]), y: writeArray(out, `${which}-y.bin`, s.y, [s.n]) };
  };
  return { kind: 'arrays', train: split('train')!, test: split('test') };
}

/** Load the run's raw data, plan its splits as the engine does, write the arrays into `out`/data. */
export async function exportData(config: RunConfig, out: string): Promise<ExportedData> {
  const source = await loadRaw(config.data, { seed: config.seed });
  const classes = config.data.classes;
  const raw = selectClasses(source, classes);
  const plan = planDataset(raw, config.data, config.seed);
  // Rows of the subset → rows of the source (the identity without data.classes).
  const origin = classes ? subsetSourceRows(source, classes) : null;
  const inSource = (rows: Int32Array, from: 'train' | 'test') => (origin ? Int32Array.from(rows, (r) => (origin[from] as Int32Array)[r]) : rows);
  const trainRows = inSource(plan.trainRows, 'train');
  const valRows = inSource(plan.valRows, 'train');
  const testRows = inSource(plan.testRows, plan.testFrom);
  const labels = source.train.y;
  return {
    name: raw.name,
    inputShape: raw.inputShape,
    numClasses: raw.numClasses,
    classNames: raw.classNames,
    classes,
    source: sourceOf(config, source, out),
    rawSizes: { train: source.train.n, test: source.test?.n ?? null },
    trainLabelsSha256: createHash('sha256').update(new Uint8Array(labels.buffer, labels.byteOffset, labels.byteLength)).digest('hex'),
    rows: {
      train: writeArray(out, 'train-rows.bin', trainRows, [trainRows.length]),
      validation: valRows.length > 0 ? writeArray(out, 'validation-rows.bin', valRows, [valRows.length]) : null,
      test: writeArray(out, 'test-rows.bin', testRows, [testRows.length]),
    },
    testFrom: plan.testFrom,
    trainLabels: writeArray(out, 'train-labels.bin', plan.trainLabels, [plan.trainLabels.length]),
    noisyLabels: plan.noisyIndices.length,
    normalization: { kind: plan.normalization.kind, scale: plan.normalization.scale, mean: plan.normalization.mean, std: plan.normalization.std },
  };
}
