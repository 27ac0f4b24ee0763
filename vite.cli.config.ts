// The command line (`sam-studio`, bin/sam-studio.js) built to plain JavaScript in out/cli, with the
// trainer process it forks beside it: Node runs it in-process (signals reach it), no TypeScript
// loader at run time. Dependencies stay in node_modules (SSR builds externalise them).
import { resolve } from 'node:path';
import { defineConfig } from 'vite';

export default defineConfig({
  build: {
    ssr: true,
    target: 'node20',
    outDir: resolve(import.meta.dirname, 'out/cli'),
    emptyOutDir: true,
    minify: false,
    sourcemap: true,
    rollupOptions: {
      input: {
        index: resolve(import.meta.dirname, 'src/cli/index.ts'),
        'trainer-process': resolve(import.meta.dirname, 'src/main/trainer-process.ts'),
        'data-parallel-worker': resolve(import.meta.dirname, 'src/engine/parallel/data-parallel-worker.ts'),
      },
      output: { format: 'es', entryFileNames: '[name].js', chunkFileNames: '[name]-[hash].js' },
    },
  },
});
