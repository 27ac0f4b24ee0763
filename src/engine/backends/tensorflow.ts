// tfjs-node (libtensorflow CPU) and tfjs-node-gpu (CUDA). Both are optional dependencies: they are
// loaded by a dynamic import whose specifier is a variable so bundlers and tsc do not require them.
import * as tf from '@tensorflow/tfjs-core';
import { type BackendRung, type ProbeResult, errorText } from './types';

const GPU_NEEDS = 'needs CUDA 11.2 + cuDNN 8.1 with libtensorflow 2.9.1 (as @tensorflow/tfjs-node-gpu 4.x expects)';

async function loadPackage(pkg: string): Promise<ProbeResult> {
  try {
    await import(/* @vite-ignore */ pkg);
  } catch (e) {
    const msg = errorText(e);
    const missing = /Cannot find (module|package)|ERR_MODULE_NOT_FOUND/.test(msg);
    return { ok: false, reason: missing ? `package ${pkg} is not installed` : `${pkg} failed to load: ${msg}` };
  }
  if (!tf.findBackend('tensorflow')) return { ok: false, reason: `${pkg} loaded but registered no "tensorflow" backend` };
  return { ok: true, details: { package: pkg } };
}

function rung(name: 'tensorflow-gpu' | 'tensorflow', pkg: string, extra: string): BackendRung {
  const probe = async (): Promise<ProbeResult> => {
    const r = await loadPackage(pkg);
    return r.ok || !extra ? r : { ok: false, reason: `${r.reason}; ${extra}` };
  };
  return {
    name,
    probe,
    async activate() {
      const r = await probe();
      if (!r.ok) return r;
      if (!(await tf.setBackend('tensorflow'))) return { ok: false, reason: `${pkg}: the tensorflow backend failed to initialise` };
      return r;
    },
  };
}

export const tensorflowGpuRung = rung('tensorflow-gpu', '@tensorflow/tfjs-node-gpu', GPU_NEEDS);
export const tensorflowCpuRung = rung('tensorflow', '@tensorflow/tfjs-node', '');
