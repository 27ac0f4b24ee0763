// The renderer built on its own for the browser door (`sam-studio serve`) and the e2e tests.
import { resolve } from 'node:path';
import { defineConfig } from 'vite';
import vue from '@vitejs/plugin-vue';

export default defineConfig({
  root: resolve(__dirname, 'src/renderer'),
  base: './',
  plugins: [vue()],
  build: { outDir: resolve(__dirname, 'out/web'), emptyOutDir: true },
});
