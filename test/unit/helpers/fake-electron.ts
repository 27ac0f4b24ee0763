// The Electron binary replaced, nothing else (it cannot download on CI machines). What the app
// calls on `electron` behaves as Electron documents it, and records what it was asked:
//   app             events, single-instance lock, quit() → before-quit (preventable) → will-quit → quit
//   BrowserWindow   options, webContents handlers, loaded URL, focus/restore
//   session         permission handlers and request filters
//   ipcMain, shell  handlers and opened links
//   utilityProcess  a REAL Node process (child_process.fork, structured clone), whose `exit`
//                   event reports what Electron's UtilityProcessWrapper::HandleTermination does on
//                   POSIX: the exit code, or the signal's number when a signal ended it, or 0 when
//                   its own kill() did (SIGTERM/SIGKILL).
// Tests use it with: vi.mock('electron', async () => (await import('./helpers/fake-electron')).electronModule)
// Its state lives on globalThis, so a test that re-imports the app's entry (vi.resetModules) still
// sees the same app, windows and handlers.
import { fork, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { EventEmitter } from 'node:events';
import { createRequire } from 'node:module';
import { constants } from 'node:os';

type Listener = (...args: unknown[]) => void;

export interface FakeWebContents {
  handlers: Map<string, Listener>;
  openHandler?: (d: { url: string }) => { action: string };
  sent: unknown[][];
}

export class FakeBrowserWindow {
  readonly webContents: FakeWebContents & { printToPDF(): Promise<Buffer> };
  loaded: string | null = null;
  minimized = false;
  focused = 0;
  destroyed = false;

  constructor(readonly options: Record<string, unknown>) {
    const wc: FakeWebContents = { handlers: new Map(), sent: [] };
    this.webContents = Object.assign(wc, {
      setWindowOpenHandler: (h: FakeWebContents['openHandler']) => (wc.openHandler = h),
      on: (name: string, l: Listener) => wc.handlers.set(name, l),
      send: (...a: unknown[]) => wc.sent.push(a),
      printToPDF: async () => Buffer.from('%PDF-fake'),
    });
    fake.windows.push(this);
  }
  static getAllWindows = () => fake.windows.filter((w) => !w.destroyed);
  once() {}
  on() {}
  show() {}
  loadURL(url: string) {
    this.loaded = url;
    return Promise.resolve();
  }
  loadFile(path: string) {
    this.loaded = path;
    return Promise.resolve();
  }
  isDestroyed() {
    return this.destroyed;
  }
  destroy() {
    this.destroyed = true;
  }
  isMinimized() {
    return this.minimized;
  }
  restore() {
    this.minimized = false;
  }
  focus() {
    this.focused++;
  }
}

class FakeApp extends EventEmitter {
  lockGranted = true;
  lockRequests = 0;
  userData = '';
  /** Events in the order the app saw them: 'before-quit', 'will-quit', 'quit', 'ready'… */
  readonly log: string[] = [];
  exitCode: number | null = null;

  requestSingleInstanceLock() {
    this.lockRequests++;
    return this.lockGranted;
  }
  whenReady() {
    this.log.push('ready');
    return Promise.resolve();
  }
  getPath(name: string) {
    if (name !== 'userData') throw new Error(`fake electron: no path ${name}`);
    return this.userData;
  }
  getAppPath() {
    return process.cwd();
  }
  /** As Electron: before-quit (preventable), then will-quit and quit. */
  quit() {
    let prevented = false;
    this.log.push('before-quit');
    this.emit('before-quit', { preventDefault: () => (prevented = true) });
    if (prevented) return;
    this.log.push('will-quit');
    this.emit('will-quit', { preventDefault: () => {} });
    this.log.push('quit');
    this.emit('quit');
  }
  exit(code = 0) {
    this.exitCode = code;
  }
}

const tsx = createRequire(import.meta.url).resolve('tsx');

/** A utility process: a real Node child, with Electron's UtilityProcess surface and exit codes. */
export class FakeUtilityProcess extends EventEmitter {
  private readonly child: ChildProcess;
  private killedByKill = false;

  constructor(modulePath: string, args: string[]) {
    super();
    // The app's entry names its bundle's trainer-process.js; from the sources that is the .ts
    // file electron-vite would build it from.
    if (!existsSync(modulePath) && existsSync(modulePath.replace(/\.js$/, '.ts'))) modulePath = modulePath.replace(/\.js$/, '.ts');
    this.child = fork(modulePath, args, {
      execArgv: modulePath.endsWith('.ts') ? ['--import', tsx] : [],
      serialization: 'advanced',
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    this.child.on('message', (m) => this.emit('message', m));
    this.child.on('spawn', () => this.emit('spawn'));
    this.child.on('exit', (code, signal) => {
      let exitCode = code ?? 0;
      if (signal) {
        const n = constants.signals[signal as keyof typeof constants.signals];
        exitCode = this.killedByKill && (signal === 'SIGTERM' || signal === 'SIGKILL') ? 0 : n;
      }
      this.emit('exit', exitCode);
    });
  }
  get stdout() {
    return this.child.stdout;
  }
  get stderr() {
    return this.child.stderr;
  }
  get pid() {
    return this.child.exitCode === null && this.child.signalCode === null ? this.child.pid : undefined;
  }
  postMessage(m: unknown) {
    if (this.child.connected) this.child.send(m as object);
  }
  kill() {
    this.killedByKill = true;
    return this.child.kill('SIGTERM');
  }
}

function createState() {
  return {
    app: new FakeApp(),
    windows: [] as FakeBrowserWindow[],
    ipcHandlers: new Map<string, Listener>(),
    opened: [] as string[],
    session: {
      permissionRequest: null as null | ((wc: unknown, permission: string, cb: (ok: boolean) => void) => void),
      permissionCheck: null as null | ((...a: unknown[]) => boolean),
      devicePermission: null as null | ((...a: unknown[]) => boolean),
      beforeRequest: null as null | ((d: { url: string }, cb: (r: { cancel: boolean }) => void) => void),
      headersReceived: null as null | ((d: { responseHeaders: Record<string, string[]> }, cb: (r: { responseHeaders: Record<string, string[]> }) => void) => void),
    },
    utility: [] as FakeUtilityProcess[],
    /** A fresh app (listeners, lock, log) and no windows, handlers or processes. */
    reset() {
      fake.app.removeAllListeners();
      Object.assign(fake.app, { lockGranted: true, lockRequests: 0, userData: '', exitCode: null });
      fake.app.log.length = 0;
      fake.windows.length = 0;
      fake.ipcHandlers.clear();
      fake.opened.length = 0;
      fake.utility.length = 0;
    },
  };
}

const shared = globalThis as unknown as { __samFakeElectron?: ReturnType<typeof createState> };
export const fake = (shared.__samFakeElectron ??= createState());

const session = {
  defaultSession: {
    setPermissionRequestHandler: (h: typeof fake.session.permissionRequest) => (fake.session.permissionRequest = h),
    setPermissionCheckHandler: (h: typeof fake.session.permissionCheck) => (fake.session.permissionCheck = h),
    setDevicePermissionHandler: (h: typeof fake.session.devicePermission) => (fake.session.devicePermission = h),
    webRequest: {
      onBeforeRequest: (h: typeof fake.session.beforeRequest) => (fake.session.beforeRequest = h),
      onHeadersReceived: (h: typeof fake.session.headersReceived) => (fake.session.headersReceived = h),
    },
  },
};

const module = {
  app: fake.app,
  BrowserWindow: FakeBrowserWindow,
  ipcMain: {
    handle: (ch: string, h: Listener) => fake.ipcHandlers.set(ch, h),
    removeHandler: (ch: string) => fake.ipcHandlers.delete(ch),
  },
  shell: { openExternal: (u: string) => (fake.opened.push(u), Promise.resolve()) },
  session,
  utilityProcess: {
    fork: (modulePath: string, args: string[] = []) => {
      const p = new FakeUtilityProcess(modulePath, args);
      fake.utility.push(p);
      return p;
    },
  },
};

export const electronModule = { ...module, default: module };
