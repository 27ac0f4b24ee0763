import { defineConfig } from 'vitest/config';
import vue from '@vitejs/plugin-vue';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { swiftShaderEnv } from './scripts/swiftshader-env.ts';

export default defineConfig({
  plugins: [vue()],
  test: {
    include: ['test/**/*.test.ts'],
    // Training on real data is slow on 2 cores; keep files sequential so timings stay sane.
    fileParallelism: false,
    testTimeout: 300_000,
    hookTimeout: 300_000,
    globalSetup: ['test/global-setup.ts'],
    // Workers (and every process a test starts) see SwiftShader, so the webgpu rung is tested
    // for real on machines without a GPU; set before the worker starts, as the linker needs.
    // Backend timings are remembered per machine (~/.cache/sam-studio): tests keep theirs apart.
    env: { ...swiftShaderEnv(), SAM_STUDIO_CACHE_DIR: mkdtempSync(join(tmpdir(), 'sam-studio-test-cache-')) },
    reporters: ['default', './test/summary-reporter.ts'],
  },
});
