// The real browser door for e2e tests and the UI bench: real services on a temporary SQLite
// file, real trainer processes (child_process), the built renderer (out/web), and a fresh
// Chromium profile.
import { mkdtempSync, rmSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { createStudioServices, type StudioServices } from '../../src/main/services/index';
import { NodeTrainerLauncher } from '../../src/main/services/node-trainer-launcher';
import { chromiumPdfRenderer } from '../../src/main/services/reports/chromium-pdf';
import { startServer, type RunningServer } from '../../src/server/index';

export const CHROMIUM = process.env.SAM_CHROMIUM ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

export interface Studio {
  dir: string;
  dbPath: string;
  services: StudioServices;
  server: RunningServer;
  close(): Promise<void>;
}

/** Services + server on a fresh temp folder; `prepare` may seed the store before the server starts. */
export async function startStudio(opts: { concurrency?: number; dir?: string } = {}): Promise<Studio> {
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'sam-ui-'));
  const dbPath = join(dir, 'studio.db');
  const services = createStudioServices({
    dbPath,
    workDir: join(dir, 'work'),
    launcher: new NodeTrainerLauncher(),
    concurrency: opts.concurrency ?? 2,
    reportPdf: chromiumPdfRenderer(CHROMIUM),
    transport: 'websocket',
  });
  const server = await startServer({ services, staticDir: resolve('out/web') });
  return {
    dir,
    dbPath,
    services,
    server,
    async close() {
      await server.close();
      await services.close();
      if (!opts.dir) rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface Browser {
  context: BrowserContext;
  page: Page;
  /** Console errors and uncaught page errors seen so far. */
  errors: string[];
  close(): Promise<void>;
}

/** Chromium with a new, empty user-data dir, 1280×800. */
export async function openBrowser(opts: { width?: number; height?: number; colorScheme?: 'light' | 'dark' } = {}): Promise<Browser> {
  const profile = mkdtempSync(join(tmpdir(), 'sam-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    args: CHROMIUM_ARGS,
    headless: true,
    viewport: { width: opts.width ?? 1280, height: opts.height ?? 800 },
    colorScheme: opts.colorScheme ?? 'light',
    acceptDownloads: true,
  });
  // tsx/esbuild wrap named functions in __name(); functions passed to page.evaluate carry that
  // call into the page, where it does not exist. (Strings would need eval, which the CSP forbids.)
  await context.addInitScript({ content: 'globalThis.__name = (f) => f;' });
  const page = context.pages()[0] ?? (await context.newPage());
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
  });
  return {
    context,
    page,
    errors,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

export function screenshotDir(): string {
  const d = resolve('test-results/screenshots');
  mkdirSync(d, { recursive: true });
  return d;
}

/** The id the form gives a field's input: "data.limit" → "#f-data-limit". */
export const fieldId = (field: string) => `#f-${field.replace(/[^a-z0-9]+/gi, '-')}`;

/** Two animation frames: what the last data change scheduled has been drawn (before a screenshot). */
export const drawn = (page: Page) => page.evaluate(() => new Promise<void>((r) => requestAnimationFrame(() => requestAnimationFrame(() => r()))));

/** A full-page screenshot into test-results/screenshots/NAME.png. */
export const shot = (page: Page, name: string) => page.screenshot({ path: join(screenshotDir(), `${name}.png`), fullPage: true });
