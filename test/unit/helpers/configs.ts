// Run configs shared by the tests that drive real trainer processes.
import type { RunConfigInput } from '../../../src/shared/config';

/** Real Fashion-MNIST, a small slice: 512 training and 256 test examples. */
const FASHION_SLICE: RunConfigInput['data'] = { name: 'fashion-mnist', limit: 512, testLimit: 256 };

/** A small MLP on the slice, long enough (12 epochs) to kill a run in the middle. */
export const FASHION_12_EPOCHS: RunConfigInput = {
  epochs: 12,
  batchSize: 64,
  backend: 'cpu',
  data: FASHION_SLICE,
  model: { kind: 'mlp', hidden: [32] },
  optimizer: { kind: 'sgd', lr: 0.05 },
};
