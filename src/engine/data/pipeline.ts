// The steps every source goes through, in this order (each seeded from the run seed through its
// own forked stream, so changing one option does not reshuffle the others):
//   0. data.classes keeps only the classes named, relabelled 0…k−1 (class-subset.ts);
//   1. test set: the source's own, or — when it has none (CSV, image folder) — a held-out
//      fraction (data.testSplit, default 0.2) of the examples;
//   2. the training pool is shuffled (and, with data.limit, cut to ⌈limit / (1 − validationSplit)⌉);
//      its first round(validationSplit · n) become validation;
//   3. data.limit keeps the first `limit` of the rest; data.testLimit the first of the test set;
//   4. normalisation measured on the final training split (normalize.ts);
//   5. label noise on the training split only (validation and test stay clean, so they
//      measure generalisation to the true labels).
import type { DataConfig } from '../../shared/config';
import { Rng } from '../rng';
import { DataError } from './errors';
import { selectClasses } from './class-subset';
import { applyLabelNoise } from './label-noise';
import { chooseNormalization, gatherNormalized } from './normalize';
import { featureSize, type RawDataset, type RawSplit } from './raw';
import type { Dataset, Normalization, Split } from './types';

export const DEFAULT_TEST_SPLIT = 0.2;

const range = (n: number) => Int32Array.from({ length: n }, (_, i) => i);

function takeSplit(src: RawSplit, rows: Int32Array, rowSize: number, norm: Normalization, labels?: Int32Array): Split {
  const y = labels ?? new Int32Array(rows.length);
  if (!labels) for (let i = 0; i < rows.length; i++) y[i] = src.y[rows[i]];
  return { x: gatherNormalized(src.x, rows, rowSize, norm), y, n: rows.length };
}

/** Config fields the pipeline reads (DataConfig plus the optional testSplit). */
export type PipelineConfig = Pick<DataConfig, 'limit' | 'testLimit' | 'validationSplit' | 'labelNoise'> & { testSplit?: number; classes?: number[] | null };

/**
 * What the pipeline decides for a run, before any feature is copied: which raw rows are
 * training, validation and test examples, the training labels after label noise, and the
 * normalisation. A PyTorch export writes this plan out, so its data is the app's to the bit.
 */
export interface DatasetPlan {
  /** Rows of raw.train. */
  trainRows: Int32Array;
  /** Rows of raw.train (empty without a validation split). */
  valRows: Int32Array;
  /** Rows of raw.test, or of raw.train when the source has no test set. */
  testRows: Int32Array;
  testFrom: 'train' | 'test';
  /** Labels of trainRows after label noise. */
  trainLabels: Int32Array;
  noisyIndices: Int32Array;
  normalization: Normalization;
}

/** `raw` is the source after selectClasses (rows and labels are the subset's). */
export function planDataset(raw: RawDataset, cfg: PipelineConfig, seed: number): DatasetPlan {
  const rng = new Rng(seed);
  const trainRng = rng.fork(1);
  const testRng = rng.fork(2);
  const noiseRng = rng.fork(3);

  // 1. test set.
  let pool: Int32Array;
  let testRows: Int32Array;
  if (raw.test) {
    pool = range(raw.train.n);
    testRows = range(raw.test.n);
  } else {
    const frac = cfg.testSplit ?? DEFAULT_TEST_SPLIT;
    const perm = testRng.shuffle(range(raw.train.n));
    const nTest = Math.max(1, Math.round(frac * raw.train.n));
    if (nTest >= raw.train.n) throw new DataError(`${raw.source}: ${raw.train.n} examples are too few to hold out a test set`);
    testRows = perm.slice(0, nTest);
    pool = perm.slice(nTest);
  }

  // 2–3. validation split and limits. With data.limit the pool is first cut to the examples a
  // split of that size needs, so validation stays validationSplit of the data in use (a
  // 2,000-example run is not validated on 6,000 examples).
  trainRng.shuffle(pool);
  const vs = cfg.validationSplit;
  if (cfg.limit !== null) pool = pool.slice(0, Math.ceil(cfg.limit / (1 - vs)));
  const nVal = vs > 0 ? Math.max(1, Math.round(vs * pool.length)) : 0;
  const valRows = pool.slice(0, nVal);
  let trainRows = pool.slice(nVal);
  if (cfg.limit !== null && cfg.limit < trainRows.length) trainRows = trainRows.slice(0, cfg.limit);
  if (cfg.testLimit !== null && cfg.testLimit < testRows.length) testRows = testRows.slice(0, cfg.testLimit);
  if (trainRows.length === 0) throw new DataError(`${raw.source}: no training examples left after the validation split`);

  // 4. normalisation from the training split.
  const normalization = chooseNormalization(raw.kind, raw.train.x, trainRows, raw.inputShape);

  // 5. label noise.
  const trainLabels = Int32Array.from(trainRows, (r) => raw.train.y[r]);
  const noisyIndices = cfg.labelNoise > 0 ? applyLabelNoise(trainLabels, raw.numClasses, cfg.labelNoise, noiseRng) : new Int32Array(0);
  return { trainRows, valRows, testRows, testFrom: raw.test ? 'test' : 'train', trainLabels, noisyIndices, normalization };
}

export function finalizeDataset(source: RawDataset, cfg: PipelineConfig, seed: number): Dataset {
  // 0. class subset (before any split or limit).
  const raw = selectClasses(source, cfg.classes);
  const plan = planDataset(raw, cfg, seed);
  const rowSize = featureSize(raw.inputShape);
  const norm = plan.normalization;
  const train = takeSplit(raw.train, plan.trainRows, rowSize, norm, plan.trainLabels);
  const validation = plan.valRows.length > 0 ? takeSplit(raw.train, plan.valRows, rowSize, norm) : null;
  const test = takeSplit(plan.testFrom === 'test' ? (raw.test as RawSplit) : raw.train, plan.testRows, rowSize, norm);
  const noisyIndices = plan.noisyIndices;

  return {
    name: raw.name,
    inputShape: raw.inputShape,
    numClasses: raw.numClasses,
    classNames: raw.classNames,
    train,
    validation,
    test,
    source: raw.source,
    noisyIndices,
    normalization: norm,
  };
}
