// Per-backend describe blocks: switch the tfjs backend before the block's tests and check after
// them that they left no tensor behind.
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, expect } from 'vitest';
import { initBackend } from '../../../src/engine/backend';
import type { BackendName } from '../../../src/shared/config';

export function onBackendWithoutLeaks(backend: BackendName): void {
  let before = 0;
  beforeAll(async () => {
    await initBackend(backend);
    before = tf.memory().numTensors;
  });
  afterAll(() => {
    expect(tf.memory().numTensors).toBe(before);
  });
}
