import { resolve } from 'node:path';
import { defineConfig, externalizeDepsPlugin } from 'electron-vite';
import vue from '@vitejs/plugin-vue';
import type { Plugin } from 'vite';
import { cspMetaTag } from './src/main/csp';

/**
 * Writes the app's CSP into the built index.html as a <meta>, right after the charset (it covers
 * only what follows it): the header the session sends may never reach a page loaded from
 * file://. Build only: the dev server's hot reload needs what the CSP forbids.
 */
export function cspMetaPlugin(): Plugin {
  return {
    name: 'sam-studio-csp-meta',
    apply: 'build',
    transformIndexHtml(html: string) {
      const at = html.match(/<meta charset="[^"]*"\s*\/?>/i) ?? html.match(/<head>/i);
      if (!at || at.index === undefined) throw new Error('index.html has no <head>: cannot add the CSP <meta>');
      const end = at.index + at[0].length;
      return `${html.slice(0, end)}\n    ${cspMetaTag()}${html.slice(end)}`;
    },
  };
}

export default defineConfig({
  main: {
    // playwright-core is a dev dependency used only by the CLI's PDF path; never bundle it.
    plugins: [externalizeDepsPlugin({ include: ['playwright-core'] })],
    build: {
      rollupOptions: {
        input: {
          index: resolve(__dirname, 'src/main/index.ts'),
          // The trainer runs in a utility process of its own: a second entry.
          'trainer-process': resolve(__dirname, 'src/main/trainer-process.ts'),
          // Its data-parallel ranks run in worker threads: a third entry.
          'data-parallel-worker': resolve(__dirname, 'src/engine/parallel/data-parallel-worker.ts'),
        },
      },
    },
  },
  preload: {
    build: {
      rollupOptions: {
        input: { index: resolve(__dirname, 'src/preload/index.ts') },
        // Sandboxed preloads can require only 'electron': bundle the rest (it is tiny).
        external: ['electron'],
        // A sandboxed preload cannot require() ESM chunks: emit one CommonJS file.
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: resolve(__dirname, 'src/renderer'),
    plugins: [vue(), cspMetaPlugin()],
    build: {
      rollupOptions: { input: { index: resolve(__dirname, 'src/renderer/index.html') } },
    },
  },
});
