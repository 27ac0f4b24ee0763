// Checkpoint files: exact round-trip of weights, batch-norm state and optimizer slots, and clear
// errors for files that are not checkpoints, are truncated, or belong to another model.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { assignModelState, disposeContents, loadCheckpoint, saveCheckpoint } from '../../src/engine/checkpoint';

const dir = mkdtempSync(join(tmpdir(), 'ckpt-test-'));

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('checkpoint files', () => {
  it('round-trips weights, state, optimizer slots and the loop position exactly', async () => {
    const w = tf.variable(tf.tensor2d([[1.5, -2.25], [3e-8, 7]]));
    const b = tf.variable(tf.tensor1d([0.1, -0.2]));
    const bn = tf.variable(tf.tensor1d([0.5, 0.25, 0.125]));
    const mom = tf.tensor2d([[0.01, 0.02], [0.03, 0.04]]);
    const count = tf.scalar(17, 'int32');
    const path = join(dir, 'a.ckpt');
    await saveCheckpoint(path, { epoch: 2, stepInEpoch: 5, step: 41, seed: 7, extra: { note: 'x' } }, { params: [w, b], state: [bn], optimizer: { 'momentum/0': mom, count } });
    const w2 = tf.variable(tf.zeros([2, 2]));
    const b2 = tf.variable(tf.zeros([2]));
    const bn2 = tf.variable(tf.zeros([3]));
    const before = tf.memory().numTensors;
    const { meta, contents } = await loadCheckpoint(path);
    expect(meta).toMatchObject({ epoch: 2, stepInEpoch: 5, step: 41, seed: 7, extra: { note: 'x' }, version: 1 });
    expect(contents.params.map((t) => t.shape)).toEqual([[2, 2], [2]]);
    expect(Array.from(await contents.params[0].data())).toEqual(Array.from(await w.data()));
    expect(Array.from(await contents.state[0].data())).toEqual([0.5, 0.25, 0.125]);
    expect(contents.optimizer.count.dtype).toBe('int32');
    expect(Array.from(await contents.optimizer.count.data())).toEqual([17]);
    expect(Array.from(await contents.optimizer['momentum/0'].data())).toEqual(Array.from(await mom.data()));

    // Assign into fresh variables of the same shapes: values copied, loaded tensors freed.
    assignModelState(path, { params: [w2, b2], state: [bn2] }, contents);
    disposeContents(contents);
    expect(Array.from(await w2.data())).toEqual(Array.from(await w.data()));
    expect(Array.from(await bn2.data())).toEqual([0.5, 0.25, 0.125]);
    expect(tf.memory().numTensors).toBe(before);
    [w, b, bn, mom, count, w2, b2, bn2].forEach((t) => t.dispose());
  });

  it('refuses a checkpoint of another model, naming the tensor and both shapes', async () => {
    const w = tf.variable(tf.zeros([3, 4]));
    const path = join(dir, 'b.ckpt');
    await saveCheckpoint(path, { epoch: 1, stepInEpoch: 0, step: 1, seed: 0, extra: {} }, { params: [w], state: [], optimizer: {} });
    const { contents } = await loadCheckpoint(path);
    const other = tf.variable(tf.zeros([4, 3]));
    expect(() => assignModelState(path, { params: [other], state: [] }, contents)).toThrow(/weights tensor 0 has shape \[3,4\] but the model expects \[4,3\]/);
    disposeContents(contents);
    const { contents: c2 } = await loadCheckpoint(path);
    expect(() => assignModelState(path, { params: [w, other], state: [] }, c2)).toThrow(/holds 1 weights tensors but the model has 2/);
    disposeContents(c2);
    w.dispose();
    other.dispose();
  });

  it('names the file when it is not a checkpoint or is truncated', async () => {
    const junk = join(dir, 'junk.ckpt');
    writeFileSync(junk, 'hello world, not a checkpoint');
    await expect(loadCheckpoint(junk)).rejects.toThrow(`checkpoint ${junk} is not a SAM Studio checkpoint`);
    await expect(loadCheckpoint(join(dir, 'missing.ckpt'))).rejects.toThrow(/missing\.ckpt cannot be read/);

    const w = tf.variable(tf.ones([64]));
    const good = join(dir, 'c.ckpt');
    await saveCheckpoint(good, { epoch: 0, stepInEpoch: 3, step: 3, seed: 0, extra: {} }, { params: [w], state: [], optimizer: {} });
    const cut = join(dir, 'cut.ckpt');
    const bytes = readFileSync(good);
    writeFileSync(cut, bytes.subarray(0, bytes.length - 10));
    await expect(loadCheckpoint(cut)).rejects.toThrow(`checkpoint ${cut} is truncated (tensor param/0 is incomplete)`);
    w.dispose();
  });
});
