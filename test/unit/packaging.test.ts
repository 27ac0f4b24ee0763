// The installers' configuration (electron-builder.yml) and the icons, tested as far as they run
// here. Electron's binaries cannot download on this machine, so electron-builder packs the app
// into its unpacked form ("dir" target) around a stand-in Electron binary that carries a real
// fuse wire: everything electron-builder does is real (config validation, file selection, asar,
// unpacking, fuse flipping); only the binary is replaced. Not run here: the AppImage, deb, dmg
// and nsis steps (their tools download too), signing, and starting the packaged app.
import { spawn } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Icns } from '@fiahfy/icns';
import { getCurrentFuseWire, FuseV1Options } from '@electron/fuses';
import { ICNS_TYPES, ICO_SIZES, LINUX_SIZES, renderIcon } from '../../scripts/make-icons';
import { APP_CSP } from '../../src/main/csp';
import { makeTempDir, removeTempDir } from './helpers/tmp';

const require = createRequire(import.meta.url);
const root = resolve('.');
const asar = require('@electron/asar') as { listPackage(path: string, opts?: object): string[] };
const { getConfig, validateConfiguration } = require('app-builder-lib/out/util/config/config') as {
  getConfig(dir: string, file: string, extra: null): Promise<Record<string, unknown>>;
  validateConfiguration(c: Record<string, unknown>, log: unknown): Promise<void>;
};
const { DebugLogger } = require('builder-util') as { DebugLogger: new (enabled: boolean) => unknown };

/** Width and height from a PNG's IHDR chunk. */
function pngSize(buf: Buffer): [number, number] {
  expect(buf.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  return [buf.readUInt32BE(16), buf.readUInt32BE(20)];
}

/** Sizes listed in an .ico's directory (a width byte of 0 means 256). */
function icoSizes(buf: Buffer): number[] {
  expect([buf.readUInt16LE(0), buf.readUInt16LE(2)]).toEqual([0, 1]);
  return Array.from({ length: buf.readUInt16LE(4) }, (_, i) => buf[6 + 16 * i] || 256);
}

function run(cmd: string, args: string[], cwd: string): Promise<{ code: number | null; out: string }> {
  return new Promise((done, fail) => {
    const p = spawn(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.stderr.on('data', (d: Buffer) => (out += d.toString()));
    p.on('error', fail);
    p.on('close', (code) => done({ code, out }));
  });
}

/**
 * The stand-in for Electron's Linux binary: a script with Electron's fuse sentinel and a V1 wire
 * of 8 fuses in Electron's defaults (RunAsNode on, cookie encryption off, NODE_OPTIONS on,
 * --inspect on, asar integrity off, only-asar off, browser V8 snapshot off, file:// privileges on).
 */
function fakeElectronDist(dir: string): string {
  mkdirSync(dir, { recursive: true });
  const wire = Buffer.concat([Buffer.from('#!/bin/sh\necho "stand-in for Electron"\n'), Buffer.from('dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX'), Buffer.from([1, 8]), Buffer.from('10110001')]);
  writeFileSync(join(dir, 'electron'), wire, { mode: 0o755 });
  writeFileSync(join(dir, 'version'), JSON.parse(readFileSync(require.resolve('electron/package.json'), 'utf8')).version);
  writeFileSync(join(dir, 'LICENSE'), 'MIT');
  return dir;
}

let tmp: string;
let unpacked: string;
let packed: string[];

beforeAll(async () => {
  tmp = makeTempDir('sam-packaging-');
  // The built app (the CI builds it before the tests; build it here when it is missing).
  if (!existsSync(join(root, 'out', 'main', 'index.js')) || !existsSync(join(root, 'out', 'renderer', 'index.html'))) {
    const b = await run(process.execPath, [require.resolve('electron-vite/bin/electron-vite.js'), 'build'], root);
    expect(b.code, b.out).toBe(0);
  }
  // A project folder as `npm run dist` sees it after its first two steps: the bundles, the
  // icons, and better-sqlite3 built for Electron (here Node's build stands in for it).
  const stage = join(tmp, 'project');
  mkdirSync(join(stage, '.electron-native', 'better-sqlite3', 'build', 'Release'), { recursive: true });
  for (const f of ['package.json', 'package-lock.json', 'electron-builder.yml']) copyFileSync(join(root, f), join(stage, f));
  cpSync(join(root, 'out'), join(stage, 'out'), { recursive: true });
  cpSync(join(root, 'resources'), join(stage, 'resources'), { recursive: true });
  copyFileSync(require.resolve('better-sqlite3/build/Release/better_sqlite3.node'), join(stage, '.electron-native', 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node'));
  symlinkSync(join(root, 'node_modules'), join(stage, 'node_modules'), 'dir');
  const out = join(tmp, 'dist');
  const r = await run(
    process.execPath,
    [require.resolve('electron-builder/cli.js'), '--config', 'electron-builder.yml', '--linux', 'dir', '--x64', `-c.electronDist=${fakeElectronDist(join(tmp, 'electron-dist'))}`, `-c.directories.output=${out}`],
    stage,
  );
  expect(r.code, r.out).toBe(0);
  unpacked = join(out, 'linux-unpacked');
  packed = asar.listPackage(join(unpacked, 'resources', 'app.asar'), { isPack: false });
});
afterAll(() => removeTempDir(tmp));

describe('electron-builder configuration', () => {
  it('validates against electron-builder’s own schema, which does refuse a misspelt key', async () => {
    const cfg = await getConfig(root, 'electron-builder.yml', null);
    await expect(validateConfiguration(cfg, new DebugLogger(false))).resolves.toBeUndefined();
    await expect(validateConfiguration({ ...cfg, asarUnpak: ['**/*.node'] }, new DebugLogger(false))).rejects.toThrow(/unknown property 'asarUnpak'/);
  });

  it('targets AppImage and deb, dmg and nsis, each with its icon; `npm run dist` builds them', async () => {
    const cfg = (await getConfig(root, 'electron-builder.yml', null)) as Record<string, { target?: unknown; icon?: string }>;
    expect(cfg.linux.target).toEqual(['AppImage', 'deb']);
    expect(cfg.mac.target).toBe('dmg');
    expect(cfg.win.target).toBe('nsis');
    expect([cfg.linux.icon, cfg.mac.icon, cfg.win.icon]).toEqual(['resources/icons', 'resources/icon.icns', 'resources/icon.ico']);
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string>; main: string };
    expect(pkg.scripts.dist).toMatch(/^electron-vite build && node scripts\/electron-native\.mjs && electron-builder --config electron-builder\.yml$/);
    expect(packed).toContain(`/${pkg.main}`);
  });
});

describe('icons', () => {
  const svg = readFileSync(join(root, 'resources', 'icon.svg'), 'utf8');

  it('are rendered from resources/icon.svg at every size Linux wants (npm run icons made them)', () => {
    for (const s of LINUX_SIZES) {
      const png = readFileSync(join(root, 'resources', 'icons', `${s}x${s}.png`));
      expect(pngSize(png)).toEqual([s, s]);
      expect(png.equals(renderIcon(svg, s)), `${s}x${s}.png is not the SVG's render`).toBe(true);
    }
    expect(pngSize(readFileSync(join(root, 'resources', 'icon.png')))).toEqual([1024, 1024]);
  });

  it('a Windows .ico with 16–256 px and a macOS .icns with every type up to 1024 px', () => {
    expect(icoSizes(readFileSync(join(root, 'resources', 'icon.ico')))).toEqual([...ICO_SIZES]);
    const icns = Icns.from(readFileSync(join(root, 'resources', 'icon.icns')));
    expect(icns.images.map((i) => i.osType)).toEqual(ICNS_TYPES.map(([t]) => t));
    for (const [i, [, size]] of ICNS_TYPES.entries()) expect(pngSize(icns.images[i].image)).toEqual([size, size]);
  });
});

describe('the packed app (linux, unpacked form)', () => {
  it('holds the bundles, the window icon and package.json; the page carries its CSP <meta>', () => {
    for (const f of ['/out/main/index.js', '/out/main/trainer-process.js', '/out/preload/index.cjs', '/out/renderer/index.html', '/resources/icon.png', '/package.json']) {
      expect(packed, f).toContain(f);
    }
    expect(packed.filter((f) => f.endsWith('.map') || f.startsWith('/out/cli/'))).toEqual([]);
    expect(readFileSync(join(root, 'out', 'renderer', 'index.html'), 'utf8')).toContain(`<meta http-equiv="Content-Security-Policy" content="${APP_CSP}" />`);
  });

  it('holds every package the main and trainer bundles import, and not the CLI’s or the renderer’s', () => {
    const mainDir = join(root, 'out', 'main');
    const bundles = [...readdirSync(mainDir).filter((f) => f.endsWith('.js')).map((f) => join(mainDir, f)), ...readdirSync(join(mainDir, 'chunks')).map((f) => join(mainDir, 'chunks', f))];
    const imported = new Set<string>();
    for (const b of bundles) {
      for (const m of readFileSync(b, 'utf8').matchAll(/(?:from|import\(|require\()\s*["']([^"'./][^"']*)["']/g)) {
        const spec = m[1];
        if (spec.startsWith('node:') || spec === 'electron') continue;
        imported.add(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]);
      }
    }
    // playwright-core prints PDFs outside Electron only (the app passes Electron's printToPDF).
    imported.delete('playwright-core');
    expect([...imported].sort()).toEqual(expect.arrayContaining(['@tensorflow/tfjs-core', 'better-sqlite3', 'zod']));
    for (const dep of imported) expect(packed, dep).toContain(`/node_modules/${dep}/package.json`);
    for (const gone of ['vue', 'pinia', 'chart.js', 'tsx', 'esbuild', 'ws', 'playwright-core', 'electron', 'vitest']) {
      expect(packed.some((f) => f.startsWith(`/node_modules/${gone}/`)), gone).toBe(false);
    }
    // better-sqlite3's C sources and its Node-ABI build stay out; the Electron build is in.
    expect(packed.filter((f) => /^\/node_modules\/better-sqlite3\/(deps|src|build)\//.test(f))).toEqual([]);
  });

  it('unpacks every native module and the tfjs-wasm binaries (they cannot load from an asar)', () => {
    const onDisk = (f: string) => existsSync(join(unpacked, 'resources', 'app.asar.unpacked', f));
    const natives = packed.filter((f) => f.endsWith('.node'));
    expect(natives).toContain('/.electron-native/better-sqlite3/build/Release/better_sqlite3.node');
    expect(natives).toContain('/node_modules/webgpu/dist/linux-x64/dawn.node');
    for (const f of natives) expect(onDisk(f), f).toBe(true);
    const wasm = packed.filter((f) => f.startsWith('/node_modules/@tensorflow/tfjs-backend-wasm/dist/') && f.endsWith('.wasm'));
    expect(wasm.length).toBeGreaterThanOrEqual(3);
    for (const f of wasm) expect(onDisk(f), f).toBe(true);
    // Each platform carries only its own Dawn build.
    expect(packed.filter((f) => /\/webgpu\/dist\/(win32|darwin)-/.test(f))).toEqual([]);
  });

  it('flips the Electron fuses in the packaged binary', async () => {
    const wire = await getCurrentFuseWire(join(unpacked, 'sam-studio'));
    const state = (o: FuseV1Options) => String.fromCharCode((wire as Record<number, number>)[o]);
    expect({
      runAsNode: state(FuseV1Options.RunAsNode),
      cookieEncryption: state(FuseV1Options.EnableCookieEncryption),
      nodeOptions: state(FuseV1Options.EnableNodeOptionsEnvironmentVariable),
      inspect: state(FuseV1Options.EnableNodeCliInspectArguments),
      asarIntegrity: state(FuseV1Options.EnableEmbeddedAsarIntegrityValidation),
      onlyAsar: state(FuseV1Options.OnlyLoadAppFromAsar),
      browserSnapshot: state(FuseV1Options.LoadBrowserProcessSpecificV8Snapshot),
      fileProtocolPrivileges: state(FuseV1Options.GrantFileProtocolExtraPrivileges),
    }).toEqual({ runAsNode: '0', cookieEncryption: '1', nodeOptions: '0', inspect: '0', asarIntegrity: '1', onlyAsar: '1', browserSnapshot: '0', fileProtocolPrivileges: '1' });
  });
});
