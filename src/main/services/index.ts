// The services behind StudioApi: `createStudioServices` opens the store, recovers what a
// previous process left behind (orphaned runs → interrupted, unowned queued runs → queued here)
// and returns the API both doors serve.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openStore } from './store/index';
import { StudioServicesImpl } from './studio-services';
import type { TrainerLauncher } from './trainer-launcher';
import type { PdfRenderer } from './reports/index';
import type { AppInfo } from '../../shared/api';

export interface CreateStudioServicesOptions {
  dbPath: string;
  /** Checkpoints (`runs/<id>`) and reports (`reports/`) go here. */
  workDir: string;
  launcher: TrainerLauncher;
  /** Trainer processes at once; default 1 (one run per GPU / per CPU box). */
  concurrency?: number;
  /** better_sqlite3.node built for Electron. */
  nativeBinding?: string;
  reportPdf?: PdfRenderer;
  transport?: AppInfo['transport'];
  /** Grace period of a graceful stop before the trainer is killed (ms). */
  stopGraceMs?: number;
  /** A trainer silent this long is killed and its run failed (default 60 s; tests shorten it). */
  silenceLimitMs?: number;
  /** Adopt queued runs left by a previous process (default true; `sam-studio resume` says false). */
  adoptQueued?: boolean;
}

export type StudioServices = StudioServicesImpl;
export { StudioServicesImpl } from './studio-services';

export function createStudioServices(opts: CreateStudioServicesOptions): StudioServices {
  const concurrency = opts.concurrency ?? 1;
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new Error(`concurrency must be a whole number ≥ 1, got ${concurrency}`);
  const store = openStore(opts.dbPath, { nativeBinding: opts.nativeBinding });
  const services = new StudioServicesImpl({
    store,
    dbPath: opts.dbPath,
    workDir: opts.workDir,
    launcher: opts.launcher,
    concurrency,
    reportPdf: opts.reportPdf,
    transport: opts.transport ?? 'electron',
    version: appVersion(),
    stopGraceMs: opts.stopGraceMs,
    silenceLimitMs: opts.silenceLimitMs,
  });
  if (opts.adoptQueued === false) store.markOrphansInterrupted();
  else services.recover();
  return services;
}

/** SAM Studio's package.json is the nearest one above this module: in the source and in every build (out/*). */
export function appVersion(): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); dirname(dir) !== dir; dir = dirname(dir)) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'sam-studio') return pkg.version ?? '0.0.0';
    } catch {
      // no package.json here: look further up
    }
  }
  return process.env.npm_package_version ?? '0.0.0';
}

export type { TrainerLauncher, TrainerHandle, TrainerExit, TrainerLaunchRequest } from './trainer-launcher';
export { NodeTrainerLauncher } from './node-trainer-launcher';
export { openStore, type Store } from './store/index';
export { defaultDbPath, defaultUserDataDir } from './paths';
