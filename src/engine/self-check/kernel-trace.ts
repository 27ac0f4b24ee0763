// Which kernel is wrong? Every kernel the probe calls on the candidate backend is recorded with
// its real inputs, attributes and outputs (kept alive by an extra reference until they are read
// back), then each call is replayed alone on cpu from the recorded inputs and its outputs are
// compared. A wrong kernel feeds wrong inputs to the kernels after it, but those replay from the
// same inputs and agree; so the first call that disagrees names the culprit.
import * as tf from '@tensorflow/tfjs-core';
import { cpuRung } from '../backends/wasm';
import { formatError, relativeError } from './compare';

type Backend = tf.KernelBackend & { incRef(dataId: object): void; disposeData(dataId: object, force?: boolean): boolean };
type DataId = object;

interface Slot {
  dataId: DataId;
  shape: number[];
  dtype: tf.DataType;
}

interface Call {
  kernel: string;
  /** Array for AddN/Concat-style kernels, named otherwise; null marks an absent optional input. */
  inputs: (Slot | null)[] | Record<string, Slot | null>;
  attrs: tf.NamedAttrMap;
  outputs: Slot[];
}

export interface KernelDisagreement {
  kernel: string;
  relError: number;
  /** Calls (of any kernel) whose replay on cpu disagreed. */
  disagreeing: number;
  calls: number;
}

const TOLERANCE = 1e-3;

/**
 * Kernels that route each incoming gradient to the position of a maximum. Where a pooling window
 * holds equal values (ReLU zeros, very often) any of them is a right answer, and backends choose
 * differently (webgpu's MaxPoolGrad does not pick the one cpu picks); the choice cannot change the
 * result, since a tied ReLU zero passes no gradient on. Their outputs are compared as multisets:
 * the same values, wherever they landed. (A wrong position is still caught end to end.)
 */
const TIE_ROUTING = new Set(['MaxPoolGrad', 'MaxPool3DGrad']);

function sorted(a: ArrayLike<number>): Float64Array {
  return Float64Array.from(a).sort();
}

function slot(backend: Backend, info: tf.TensorInfo | null | undefined): Slot | null {
  if (!info) return null;
  backend.incRef(info.dataId);
  return { dataId: info.dataId, shape: [...info.shape], dtype: info.dtype };
}

/** Runs `work` with every kernel of `backendName` wrapped to record its calls. */
async function record(backendName: string, work: () => Promise<unknown>): Promise<{ calls: Call[]; backend: Backend }> {
  const backend = tf.engine().findBackend(backendName) as Backend;
  const originals = tf.getKernelsForBackend(backendName);
  const calls: Call[] = [];
  for (const k of originals) {
    tf.unregisterKernel(k.kernelName, backendName);
    tf.registerKernel({
      kernelName: k.kernelName,
      backendName,
      kernelFunc: (args) => {
        const out = k.kernelFunc(args) as tf.TensorInfo | tf.TensorInfo[];
        const ins = args.inputs as unknown;
        calls.push({
          kernel: k.kernelName,
          inputs: Array.isArray(ins)
            ? ins.map((t: tf.TensorInfo) => slot(backend, t))
            : Object.fromEntries(Object.entries(ins as Record<string, tf.TensorInfo>).map(([n, t]) => [n, slot(backend, t)])),
          attrs: { ...(args.attrs ?? {}) },
          outputs: (Array.isArray(out) ? out : [out]).map((t) => slot(backend, t) as Slot),
        });
        return out;
      },
    });
  }
  try {
    await work();
  } finally {
    for (const k of originals) {
      tf.unregisterKernel(k.kernelName, backendName);
      tf.registerKernel(k);
    }
  }
  return { calls, backend };
}

function slotsOf(c: Call): Slot[] {
  const ins = Array.isArray(c.inputs) ? c.inputs : Object.values(c.inputs);
  return [...ins.filter((s): s is Slot => s !== null), ...c.outputs];
}

/** Reads every recorded tensor (the asynchronous way) and drops the references we added. */
async function readAll(backend: Backend, calls: Call[]): Promise<Map<DataId, tf.TypedArray>> {
  const values = new Map<DataId, tf.TypedArray>();
  const all = calls.flatMap(slotsOf);
  try {
    for (const s of all) if (!values.has(s.dataId)) values.set(s.dataId, (await backend.read(s.dataId)) as tf.TypedArray);
  } finally {
    for (const s of all) backend.disposeData(s.dataId);
  }
  return values;
}

function tensorOf(s: Slot, values: Map<DataId, tf.TypedArray>): tf.Tensor {
  return tf.tensor(values.get(s.dataId)!, s.shape, s.dtype);
}

/** Replays one call on the active backend (cpu); the largest relative error over its outputs. */
function replay(c: Call, values: Map<DataId, tf.TypedArray>): number {
  return tf.tidy(() => {
    const ins = Array.isArray(c.inputs)
      ? c.inputs.map((s) => (s ? tensorOf(s, values) : null))
      : Object.fromEntries(Object.entries(c.inputs).map(([n, s]) => [n, s ? tensorOf(s, values) : null]));
    let out: tf.Tensor | tf.Tensor[];
    try {
      out = tf.engine().runKernel(c.kernel, ins as unknown as tf.NamedTensorMap, c.attrs);
    } catch {
      return 0; // cpu cannot run it stand-alone: no verdict on this call
    }
    const outs = Array.isArray(out) ? out : [out];
    let worst = 0;
    outs.forEach((t, i) => {
      const got = c.outputs[i];
      if (!got || got.shape.join() !== t.shape.join()) {
        worst = Infinity;
        return;
      }
      let ours = values.get(got.dataId)! as ArrayLike<number>;
      let cpu = t.dataSync() as ArrayLike<number>;
      if (TIE_ROUTING.has(c.kernel)) [ours, cpu] = [sorted(ours), sorted(cpu)];
      worst = Math.max(worst, relativeError(ours, cpu));
    });
    return worst;
  });
}

/**
 * Records `work` on `backendName`, replays each kernel call on cpu, and returns the first call
 * that disagrees (null if every call agrees). Leaves cpu active; the caller switches back.
 */
export async function findDisagreeingKernel(backendName: string, work: () => Promise<unknown>): Promise<KernelDisagreement | null> {
  const { calls, backend } = await record(backendName, work);
  const values = await readAll(backend, calls);
  await cpuRung.activate();
  let first: { kernel: string; relError: number } | null = null;
  let disagreeing = 0;
  for (const c of calls) {
    const e = replay(c, values);
    if (e > TOLERANCE) {
      disagreeing++;
      first ??= { kernel: c.kernel, relError: e };
    }
  }
  return first ? { ...first, disagreeing, calls: calls.length } : null;
}

export function describeKernelDisagreement(d: KernelDisagreement): string {
  return `kernel ${d.kernel} disagrees with cpu (relative error ${formatError(d.relError)} on the same inputs; ${d.disagreeing} of ${d.calls} kernel calls disagree)`;
}
