// The desktop app's entry: paths of the built bundle, then lifecycle.ts. Everything else lives in
// services tested in Node.
import { join } from 'node:path';
import { app } from 'electron';
import { runDesktopApp } from './lifecycle';

runDesktopApp({
  pages: { indexHtml: join(__dirname, '../renderer/index.html'), devServerUrl: process.env.ELECTRON_RENDERER_URL },
  trainerEntry: join(__dirname, 'trainer-process.js'),
  // better-sqlite3 built for Electron's ABI by scripts/electron-native.mjs (node_modules' copy is
  // Node's). Packaged, it sits in app.asar.unpacked (electron-builder.yml): a .node cannot load from an asar.
  sqliteBinding: join(app.getAppPath().replace(/app\.asar$/, 'app.asar.unpacked'), '.electron-native', 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node'),
  icon: join(app.getAppPath(), 'resources', 'icon.png'),
}).catch((err: unknown) => {
  console.error('SAM Studio failed to start:', err);
  app.exit(1);
});
