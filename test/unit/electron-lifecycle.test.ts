// The desktop app's entry (src/main/index.ts) with only the Electron binary replaced: real
// services on a real SQLite file, real trainer processes (the fake utilityProcess forks Node).
// A second launch quits before it opens anything; a quit waits for the trainers' stop-checkpoints;
// a trainer killed by a signal ends `interrupted`, as it does through the Node door.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fake } from './helpers/fake-electron';
import { FASHION_12_EPOCHS } from './helpers/configs';
import { makeTempDir, removeTempDir } from './helpers/tmp';
import { IPC_CHANNELS } from '../../src/shared/api-methods';
import type { RunSummary, StudioEvent } from '../../src/shared/api';
import type { WireReply } from '../../src/shared/wire';

vi.mock('electron', async () => (await import('./helpers/fake-electron')).electronModule);

let userData: string;

/** Launch the app as Electron would: a fresh main process runs the entry module. */
async function launch(): Promise<void> {
  vi.resetModules();
  await import('../../src/main/index');
}

function quitted(): Promise<void> {
  return new Promise((resolve) => fake.app.once('quit', () => resolve()));
}

/** What the window was sent (run events and status changes), as the renderer would see them. */
function sentEvents(): StudioEvent[] {
  return fake.windows.flatMap((w) => w.webContents.sent.filter((a) => a[0] === IPC_CHANNELS.event).map((a) => a[1] as StudioEvent));
}

async function createRunFromWindow(config: unknown): Promise<RunSummary> {
  const page = pathToFileURL(fake.windows[0].loaded!).href;
  const handler = fake.ipcHandlers.get(IPC_CHANNELS.call)! as (e: unknown, method: string, args: unknown[]) => Promise<WireReply>;
  const reply = await handler({ senderFrame: { url: `${page}#/new` } }, 'createRun', [config, { name: 'desktop run' }]);
  if (!reply.ok) throw new Error(reply.error.message);
  return reply.result as RunSummary;
}

const windowUp = () => expect.poll(() => fake.windows.length, { timeout: 60_000 }).toBe(1);
const trainingStarted = (runId: number) =>
  expect.poll(() => sentEvents().some((e) => e.type === 'run-event' && e.runId === runId && e.event.event === 'metrics'), { timeout: 120_000 }).toBe(true);

beforeEach(() => {
  fake.reset();
  userData = makeTempDir('sam-desktop-');
  fake.app.userData = userData;
});
afterEach(async () => {
  if (fake.ipcHandlers.size > 0) {
    const done = quitted();
    fake.app.quit();
    await done;
  }
  removeTempDir(userData);
});

describe('desktop app lifecycle', () => {
  it('a second instance asks for the lock first and quits without opening the database or a window', async () => {
    fake.app.lockGranted = false;
    await launch();
    await expect.poll(() => fake.app.log).toContain('quit');
    expect(fake.app.lockRequests).toBe(1);
    expect(fake.app.log).not.toContain('ready');
    expect(existsSync(join(userData, 'runs.db'))).toBe(false);
    expect(fake.windows).toEqual([]);
    expect(fake.ipcHandlers.size).toBe(0);
  });

  it('the first instance focuses (and restores) its window when a second one is launched', async () => {
    await launch();
    await windowUp();
    const win = fake.windows[0];
    win.minimized = true;
    fake.app.emit('second-instance', {}, ['sam-studio'], userData);
    expect(win.minimized).toBe(false);
    expect(win.focused).toBe(1);
  });

  it('quitting waits until a running trainer has written its stop-checkpoint and the database is closed', async () => {
    await launch();
    await windowUp();
    const run = await createRunFromWindow(FASHION_12_EPOCHS);
    await trainingStarted(run.id);
    // The moment Electron is allowed to go (will-quit), the run must already be settled on disk.
    let atWillQuit: { status: string; reason: string | null; checkpointSteps: number[] } | null = null;
    fake.app.once('will-quit', () => {
      const db = new Database(join(userData, 'runs.db'), { readonly: true });
      const row = db.prepare('SELECT status, failure_reason AS reason FROM runs WHERE id = ?').get(run.id) as { status: string; reason: string | null };
      const steps = (db.prepare('SELECT step FROM checkpoints WHERE run_id = ? ORDER BY step').all(run.id) as { step: number }[]).map((r) => r.step);
      db.close();
      atWillQuit = { ...row, checkpointSteps: steps };
    });
    const done = quitted();
    fake.app.quit();
    await done;
    expect(fake.app.log.filter((e) => e !== 'ready')).toEqual(['before-quit', 'before-quit', 'will-quit', 'quit']);
    expect(atWillQuit).not.toBeNull();
    const settled = atWillQuit!;
    expect(settled.status).toBe('interrupted');
    const step = Number(/SAM Studio was closed at step (\d+)/.exec(settled.reason ?? '')?.[1]);
    expect(step).toBeGreaterThan(0);
    // The stop-checkpoint: written at the step the trainer stopped, so a resume loses nothing.
    expect(settled.checkpointSteps.at(-1)).toBe(step);
    expect(fake.utility.every((p) => p.pid === undefined)).toBe(true);
  });

  it('a trainer killed by a signal ends interrupted (resumable), as through the Node door, not failed', async () => {
    await launch();
    await windowUp();
    const run = await createRunFromWindow(FASHION_12_EPOCHS);
    await trainingStarted(run.id);
    process.kill(fake.utility[0].pid!, 'SIGKILL');
    const ended = () => sentEvents().find((e): e is Extract<StudioEvent, { type: 'run-updated' }> => e.type === 'run-updated' && e.run.id === run.id && e.run.endedAt !== null);
    await expect.poll(ended, { timeout: 60_000 }).toBeDefined();
    const last = ended()!;
    expect(last.run.status).toBe('interrupted');
    expect(last.run.failureReason).toMatch(/^the trainer process was killed \(SIGKILL\) at step \d+; resume continues from the last checkpoint$/);
  });
});
