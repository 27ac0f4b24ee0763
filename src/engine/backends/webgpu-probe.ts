// Is there a WebGPU adapter here? Asked in a child process, for two reasons:
// - Dawn writes to the process's own stdout/stderr from native code ("Warning: Couldn't load
//   Vulkan: libvulkan.so.1: cannot open shared object file" on every machine without a Vulkan
//   loader, validation reports on stdout), which would corrupt `train --json` and clutter every
//   command. A child's output is captured and kept as the skip reason instead.
// - A crashing GPU driver takes the child down, not the trainer or the app.
// The tfjs backend itself still runs in-process (webgpu.ts), and only when this probe found an adapter.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

export interface AdapterFacts {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  /** A software rasteriser (SwiftShader, WARP, llvmpipe): correct but slower than wasm. */
  software: boolean;
  limits: Record<string, number>;
  features: string[];
}

export type AdapterProbe = { ok: true; adapter: AdapterFacts } | { ok: false; reason: string };

const MARK = '@@sam-studio-webgpu-probe ';
/** Dawn initialises every backend it knows (Vulkan, GL) on the first requestAdapter: give it time. */
const PROBE_TIMEOUT_MS = 30_000;

// Runs in the child (plain Node, ESM). Prints exactly one marked JSON line; anything else on
// stdout/stderr is Dawn's or the driver's own output.
const CHILD_SOURCE = `
const [webgpuUrl, mark] = JSON.parse(process.argv.at(-1));
const say = (o) => process.stdout.write(mark + JSON.stringify(o) + '\\n');
try {
  const { create, globals } = await import(webgpuUrl);
  Object.assign(globalThis, globals);
  const adapter = await create([]).requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) {
    say({ ok: false });
  } else {
    const info = adapter.info ?? {};
    const limits = {};
    for (const k in adapter.limits) if (typeof adapter.limits[k] === 'number') limits[k] = adapter.limits[k];
    say({
      ok: true,
      adapter: {
        vendor: info.vendor ?? '', architecture: info.architecture ?? '', device: info.device ?? '',
        description: info.description ?? '',
        software: Boolean(info.isFallbackAdapter ?? adapter.isFallbackAdapter),
        limits, features: [...adapter.features],
      },
    });
  }
} catch (e) {
  say({ ok: false, error: String(e && e.message || e).split('\\n')[0] });
}
process.exit(0);
`;

function webgpuPackageUrl(): string {
  return pathToFileURL(createRequire(import.meta.url).resolve('webgpu')).href;
}

/** Native output worth showing: trimmed, one line per message, without Dawn's source locations. */
export function nativeOutputText(out: string): string {
  return out
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith(MARK.trim()) && !/^at operator\(\)/.test(l))
    .join('; ')
    .slice(0, 400);
}

function software(a: Pick<AdapterFacts, 'architecture' | 'description' | 'device'>, flagged: boolean): boolean {
  return flagged || /swiftshader|llvmpipe|lavapipe|warp|software/i.test(`${a.architecture} ${a.description} ${a.device}`);
}

/** Runs the probe once in a child process (same Node or Electron-as-Node, same environment). */
export async function probeAdapter(): Promise<AdapterProbe> {
  let url: string;
  try {
    url = webgpuPackageUrl();
  } catch (e) {
    return { ok: false, reason: `the webgpu package (Dawn for Node) is not installed: ${(e as Error).message.split('\n')[0]}` };
  }
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', CHILD_SOURCE, JSON.stringify([url, MARK])], {
      stdio: ['ignore', 'pipe', 'pipe'],
      // In Electron's utility process execPath is Electron itself: run it as plain Node.
      env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
      windowsHide: true,
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), PROBE_TIMEOUT_MS);
    child.on('error', (e) => {
      clearTimeout(timer);
      resolve({ ok: false, reason: `could not start the WebGPU probe process: ${e.message}` });
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const line = out.split('\n').find((l) => l.startsWith(MARK));
      const noise = nativeOutputText(out);
      if (!line) {
        const how = signal === 'SIGKILL' ? `did not answer within ${PROBE_TIMEOUT_MS / 1000} s` : signal ? `crashed (${signal})` : `exited with code ${code}`;
        resolve({ ok: false, reason: `the WebGPU probe ${how} — a GPU driver problem${noise ? `: ${noise}` : ''}` });
        return;
      }
      const r = JSON.parse(line.slice(MARK.length)) as { ok: boolean; error?: string; adapter?: AdapterFacts };
      if (r.ok && r.adapter) {
        resolve({ ok: true, adapter: { ...r.adapter, software: software(r.adapter, r.adapter.software) } });
      } else if (r.error) {
        resolve({ ok: false, reason: `the webgpu package (Dawn) failed to load: ${r.error}` });
      } else {
        resolve({ ok: false, reason: `Dawn (webgpu package) found no GPU adapter (no Vulkan/Metal/D3D12 driver)${noise ? `: ${noise}` : ''}` });
      }
    });
  });
}
