// What a data loader returns: plain typed arrays, NHWC for images, so the engine can batch on any backend.
export interface Split {
  /** Row-major features, n × prod(inputShape), already normalised. */
  x: Float32Array;
  /** Class index per example. */
  y: Int32Array;
  n: number;
}

export interface Dataset {
  name: string;
  /** Without the batch axis: [784] for flat, [28, 28, 1] / [32, 32, 3] for images (NHWC). */
  inputShape: number[];
  numClasses: number;
  classNames: string[];
  train: Split;
  /** Present when data.validationSplit > 0. */
  validation: Split | null;
  test: Split;
  /** Where the data came from, for the run's log. */
  source: string;
  /** Indices of training examples whose labels label-noise replaced (for analysis). */
  noisyIndices: Int32Array;
  /** How features were normalised (loaders always fill it in; optional for hand-made Datasets). */
  normalization?: Normalization;
}

/**
 * How features were normalised: x' = (x / scale − mean[c]) / std[c], c = channel (images) or
 * column (tables); mean/std measured on the training split. kind 'none' for synthetic sets.
 */
export interface Normalization {
  kind: 'standardize' | 'none';
  scale: number;
  mean: number[];
  std: number[];
}
