// Which backends this machine can test. The webgpu rung needs a WebGPU adapter: on machines
// without a GPU the test config points Dawn at Debian chromium's SwiftShader (see
// scripts/swiftshader-env.ts); where neither exists, webgpu tests skip and say why.
import { webgpuRung } from '../../../src/engine/backends/webgpu';

/** True when Dawn finds an adapter here; otherwise prints the reason the caller's tests skip. */
export async function webgpuAvailable(what: string): Promise<boolean> {
  const r = await webgpuRung.probe();
  if (!r.ok) console.warn(`[${what}] webgpu tests skipped: ${r.reason}`);
  return r.ok;
}
