// What every loader hands to the common pipeline: undecorated examples before splitting,
// limiting and normalisation. Pixels stay as bytes until the pipeline has picked the examples it
// keeps, so a data.limit of 1,000 never converts all 60,000 Fashion-MNIST images to floats.
export interface RawSplit {
  /** n × prod(inputShape) values; Uint8Array for 0–255 pixels, Float32Array for anything else. */
  x: Uint8Array | Float32Array;
  y: Int32Array;
  n: number;
}

/** How the pipeline normalises features (see pipeline.ts). */
export type RawKind =
  /** 0–255 pixels, NHWC: scaled to [0, 1], then standardised per channel. */
  | 'image'
  /** Numeric table columns: standardised per column. */
  | 'table'
  /** Synthetic 2-D points: left as generated (already of unit scale, and plots stay readable). */
  | 'points';

export interface RawDataset {
  name: string;
  kind: RawKind;
  inputShape: number[];
  numClasses: number;
  classNames: string[];
  train: RawSplit;
  /** null when the source has no separate test set: the pipeline holds out a fraction. */
  test: RawSplit | null;
  source: string;
}

export function featureSize(shape: number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}
