// Dawn prints from native code ("Warning: Couldn't load Vulkan: libvulkan.so.1 …" on every machine
// without a Vulkan loader; validation reports on stdout), which put third-party noise on every
// CLI command and into `train --json`. The adapter is now probed in a child process whose output
// is captured: nothing reaches our stdout/stderr, and the text is kept as the skip reason.
import { describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { probeAdapter } from '../../src/engine/backends/webgpu-probe';
import { runCli } from './helpers/cli';
import { makeTempDir, removeTempDir } from './helpers/tmp';

/** An environment in which Dawn finds no adapter: no Vulkan loader on the path, no driver. */
const NO_GPU = { ...process.env, VK_ICD_FILENAMES: '/nonexistent/icd.json', LD_LIBRARY_PATH: '' };

describe('the WebGPU adapter probe', () => {
  it('runs Dawn in a child process and keeps what it printed as the reason', async () => {
    const saved = { ...process.env };
    Object.assign(process.env, NO_GPU);
    try {
      const r = await probeAdapter();
      expect(r.ok).toBe(false);
      if (r.ok) return;
      expect(r.reason).toMatch(/^Dawn \(webgpu package\) found no GPU adapter \(no Vulkan\/Metal\/D3D12 driver\)/);
      // Where the machine has no Vulkan loader, Dawn says so; its words are in the reason, without its source location.
      if (/libvulkan/.test(r.reason)) expect(r.reason).toMatch(/: Warning: Couldn't load Vulkan: libvulkan\.so\.1: cannot open shared object file/);
      expect(r.reason).not.toMatch(/BackendVk\.cpp/);
    } finally {
      for (const k of Object.keys(NO_GPU)) {
        if (k in saved) process.env[k] = saved[k];
        else delete process.env[k];
      }
    }
  });

  it('`train --json` on a machine without a GPU prints JSON lines only, and no Dawn warning anywhere', async () => {
    const dir = makeTempDir('probe-cli-');
    try {
      const config = join(dir, 'run.json');
      writeFileSync(
        config,
        JSON.stringify({ epochs: 1, batchSize: 32, backend: 'auto', data: { name: 'synthetic-moons', samples: 64 }, model: { kind: 'mlp', hidden: [8] }, optimizer: { kind: 'sgd', lr: 0.1 } }),
      );
      const r = await runCli(['train', '--config', config, '--json', '--work-dir', join(dir, 'work')], NO_GPU);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).not.toMatch(/Vulkan|Warning|Dawn/);
      const events = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { event: string; backend?: { skipped: { name: string; reason: string }[] } });
      const started = events.find((e) => e.event === 'started')!;
      expect(started.backend!.skipped.find((s) => s.name === 'webgpu')!.reason).toMatch(/found no GPU adapter/);
    } finally {
      removeTempDir(dir);
    }
  });
});
