// Checkpoints: one self-describing file per save, so a run can resume exactly where it stopped.
// Layout: "SAMCKPT1" | u32 header length | JSON header | raw little-endian tensor bytes.
// The header names every tensor (model weights, batch-norm state, optimizer slots), its shape,
// dtype and byte offset, plus the loop position (epoch, step within it, global step).
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';

const MAGIC = 'SAMCKPT1';
const VERSION = 1;

/** Where in training a checkpoint was taken. */
export interface LoopPosition {
  /** 0-based epoch in progress (equals the number of finished epochs when stepInEpoch = 0). */
  epoch: number;
  /** Steps already taken in that epoch; the shuffled order of the epoch is rebuilt from the seed and this many batches skipped. */
  stepInEpoch: number;
  /** Global step count. */
  step: number;
}

export interface CheckpointMeta extends LoopPosition {
  version: number;
  seed: number;
  savedAt: string;
  /** Anything else the loop wants back (partial epoch sums, last measurements…). Plain JSON. */
  extra: Record<string, unknown>;
}

export interface CheckpointContents {
  params: tf.Tensor[];
  state: tf.Tensor[];
  optimizer: Record<string, tf.Tensor>;
}

interface TensorEntry {
  name: string;
  shape: number[];
  dtype: 'float32' | 'int32';
  offset: number;
  byteLength: number;
}

interface Header extends CheckpointMeta {
  tensors: TensorEntry[];
}

/** Write a checkpoint atomically (temp file + rename: a crash never leaves half a checkpoint). */
export async function saveCheckpoint(path: string, meta: Omit<CheckpointMeta, 'version' | 'savedAt'>, c: CheckpointContents): Promise<void> {
  const named: [string, tf.Tensor][] = [
    ...c.params.map((t, i): [string, tf.Tensor] => [`param/${i}`, t]),
    ...c.state.map((t, i): [string, tf.Tensor] => [`state/${i}`, t]),
    ...Object.entries(c.optimizer).map(([k, t]): [string, tf.Tensor] => [`opt/${k}`, t]),
  ];
  const entries: TensorEntry[] = [];
  const chunks: Uint8Array[] = [];
  let offset = 0;
  for (const [name, t] of named) {
    if (t.dtype !== 'float32' && t.dtype !== 'int32') {
      throw new Error(`checkpoint: tensor ${name} has dtype ${t.dtype}; only float32 and int32 can be saved`);
    }
    const data = (await t.data()) as Float32Array | Int32Array;
    const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    entries.push({ name, shape: t.shape.slice(), dtype: t.dtype, offset, byteLength: bytes.byteLength });
    chunks.push(bytes);
    offset += bytes.byteLength;
  }
  const header: Header = { ...meta, version: VERSION, savedAt: new Date().toISOString(), tensors: entries };
  const headerBytes = Buffer.from(JSON.stringify(header), 'utf8');
  const lead = Buffer.alloc(MAGIC.length + 4);
  lead.write(MAGIC, 0, 'latin1');
  lead.writeUInt32LE(headerBytes.length, MAGIC.length);
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}`;
  await writeFile(tmp, Buffer.concat([lead, headerBytes, ...chunks]));
  await rename(tmp, path);
}

export interface LoadedCheckpoint {
  meta: CheckpointMeta;
  /** New tensors; the caller owns them (or use applyCheckpoint, which disposes them). */
  contents: CheckpointContents;
}

/** Read a checkpoint file; errors name the file and what is wrong with it. */
export async function loadCheckpoint(path: string): Promise<LoadedCheckpoint> {
  let buf: Buffer;
  try {
    buf = await readFile(path);
  } catch (e) {
    throw new Error(`checkpoint ${path} cannot be read: ${(e as Error).message}`);
  }
  if (buf.length < MAGIC.length + 4 || buf.toString('latin1', 0, MAGIC.length) !== MAGIC) {
    throw new Error(`checkpoint ${path} is not a SAM Studio checkpoint (expected it to start with "${MAGIC}")`);
  }
  const headerLength = buf.readUInt32LE(MAGIC.length);
  const dataStart = MAGIC.length + 4 + headerLength;
  if (dataStart > buf.length) throw new Error(`checkpoint ${path} is truncated (header runs past the end of the file)`);
  let header: Header;
  try {
    header = JSON.parse(buf.toString('utf8', MAGIC.length + 4, dataStart)) as Header;
  } catch {
    throw new Error(`checkpoint ${path} has a corrupt header`);
  }
  if (header.version !== VERSION) throw new Error(`checkpoint ${path} has format version ${header.version}; this build reads version ${VERSION}`);
  const contents: CheckpointContents = { params: [], state: [], optimizer: {} };
  for (const e of header.tensors) {
    const start = dataStart + e.offset;
    if (start + e.byteLength > buf.length) throw new Error(`checkpoint ${path} is truncated (tensor ${e.name} is incomplete)`);
    // Copy: Buffer memory may be pooled and unaligned for a typed-array view.
    const raw = new Uint8Array(buf.subarray(start, start + e.byteLength)).buffer;
    const values = e.dtype === 'int32' ? new Int32Array(raw) : new Float32Array(raw);
    const t = tf.tensor(values, e.shape, e.dtype);
    const [group, key] = [e.name.slice(0, e.name.indexOf('/')), e.name.slice(e.name.indexOf('/') + 1)];
    if (group === 'param') contents.params[Number(key)] = t;
    else if (group === 'state') contents.state[Number(key)] = t;
    else contents.optimizer[key] = t;
  }
  const { tensors: _tensors, ...meta } = header;
  return { meta, contents };
}

/**
 * Copy checkpointed weights and batch-norm state into live variables (shapes checked, so a
 * checkpoint of another model config fails with a message instead of training garbage), then
 * dispose the loaded weight tensors. Optimizer tensors are left to the caller (Stepper.setState).
 * `skipParams` leaves the marked weights as they are (fine-tuning's new head).
 */
export function assignModelState(
  source: string,
  target: { params: tf.Variable[]; state: tf.Variable[] },
  contents: CheckpointContents,
  skipParams?: readonly boolean[],
): void {
  assignGroup(source, 'weights', target.params, contents.params, skipParams);
  assignGroup(source, 'batch-norm state', target.state, contents.state);
}

function assignGroup(source: string, what: string, vars: tf.Variable[], saved: tf.Tensor[], skip?: readonly boolean[]): void {
  if (vars.length !== saved.length) {
    throw new Error(`checkpoint ${source} holds ${saved.length} ${what} tensors but the model has ${vars.length}: it was written for a different model config`);
  }
  vars.forEach((v, i) => {
    const s = saved[i];
    if (skip?.[i]) return;
    if (!s || s.shape.join('x') !== v.shape.join('x')) {
      throw new Error(`checkpoint ${source}: ${what} tensor ${i} has shape [${s?.shape ?? '?'}] but the model expects [${v.shape}]: it was written for a different model config`);
    }
    v.assign(s);
  });
  saved.forEach((t) => t.dispose());
}

export function disposeContents(c: CheckpointContents): void {
  for (const t of [...c.params, ...c.state, ...Object.values(c.optimizer)]) if (t && !t.isDisposed) t.dispose();
}
