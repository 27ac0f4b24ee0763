// The threaded SIMD build of tfjs-backend-wasm under Node (tfjs issue 3830): its pthread workers
// start from a worker file (not a blob: URL), the pool has exactly the threads asked for (not
// os.cpus()/2), the backend report says how many, the training kernels give the same numbers on
// one thread and on several, and a process whose pool is idle still exits by itself.
import * as tf from '@tensorflow/tfjs-core';
import { fork } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Script } from 'node:vm';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/engine/backend';
import { THREADS_ENV, WASM_MAX_THREADS, chooseThreads, machineThreads } from '../../src/engine/backends/wasm-threads';
import { ensureWorkerFile, workerScript } from '../../src/engine/backends/wasm-worker-file';
import { buildModel } from '../../src/engine/models';
import { createStepper } from '../../src/engine/optim';
import { modelSchema, optimizerSchema, samSchema } from '../../src/shared/config';
import type { TrainerEvent } from '../../src/shared/events';
import type { TrainerToParent } from '../../src/shared/trainer-protocol';
import { runNode } from './helpers/cli';
import { makeTempDir, removeTempDir } from './helpers/tmp';

const work = makeTempDir('wasm-threads-');
const savedEnv = process.env[THREADS_ENV];
afterEach(() => {
  if (savedEnv === undefined) delete process.env[THREADS_ENV];
  else process.env[THREADS_ENV] = savedEnv;
});
afterAll(async () => {
  await tf.setBackend('cpu');
  removeTempDir(work);
});

describe('the thread count', () => {
  it('is the run’s setting, else $SAM_WASM_THREADS, else every core the process may use', () => {
    delete process.env[THREADS_ENV];
    expect(chooseThreads(3)).toEqual({ threads: 3, source: 'run config' });
    expect(chooseThreads(null)).toEqual({ threads: Math.min(machineThreads(), WASM_MAX_THREADS), source: 'all cores' });
    process.env[THREADS_ENV] = '2';
    expect(chooseThreads(null)).toEqual({ threads: 2, source: THREADS_ENV });
    expect(chooseThreads(1)).toEqual({ threads: 1, source: 'run config' });
  });

  it('is capped at what the build can run, saying so', () => {
    expect(chooseThreads(32)).toEqual({ threads: WASM_MAX_THREADS, source: 'run config', note: `32 threads asked for; the wasm build runs at most ${WASM_MAX_THREADS}` });
  });

  it('a bad $SAM_WASM_THREADS is an error naming the variable and the way out', () => {
    process.env[THREADS_ENV] = 'four';
    expect(() => chooseThreads(null)).toThrow(/SAM_WASM_THREADS must be a whole number ≥ 1, got "four"; unset it/);
  });
});

describe('the pthread worker file', () => {
  // Like the real worker source: one line, with raw newlines only inside string literals.
  const source = 'var a = "x\ny"; module.exports = a;';

  it('holds the worker source with its newlines escaped, as a CommonJS script that parses', () => {
    expect(() => new Script(source)).toThrow(); // the raw string has a newline inside a literal
    const file = ensureWorkerFile(source, '9.9.9', join(work, 'cache'));
    expect(file.endsWith('.cjs')).toBe(true);
    expect(file).toContain('tfjs-backend-wasm-9.9.9-threaded-simd.worker.');
    expect(readFileSync(file, 'utf8')).toBe(workerScript(source));
    expect(() => new Script(readFileSync(file, 'utf8'))).not.toThrow();
  });

  it('is reused when intact, rewritten when damaged, and named by content', () => {
    const dir = join(work, 'reuse');
    const a = ensureWorkerFile(source, '1.0.0', dir);
    expect(ensureWorkerFile(source, '1.0.0', dir)).toBe(a);
    writeFileSync(a, 'half a fi');
    expect(ensureWorkerFile(source, '1.0.0', dir)).toBe(a);
    expect(readFileSync(a, 'utf8')).toBe(workerScript(source));
    const b = ensureWorkerFile(`${source} // changed`, '1.0.0', dir);
    expect(b).not.toBe(a);
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('goes to a private temporary folder when the cache cannot be written', () => {
    const readOnly = join(work, 'read-only');
    ensureWorkerFile('0', '0', readOnly);
    chmodSync(readOnly, 0o500);
    try {
      // root ignores permissions: a path below a regular file cannot be created by anyone.
      const blocked = process.getuid?.() === 0 ? join(readOnly, readdirSync(readOnly)[0], 'sub') : readOnly;
      const file = ensureWorkerFile(source, '2.0.0', blocked);
      expect(file.startsWith(blocked)).toBe(false);
      expect(readFileSync(file, 'utf8')).toBe(workerScript(source));
    } finally {
      chmodSync(readOnly, 0o700);
    }
  });
});

describe('the wasm backend on threads', () => {
  it('2 threads: the threaded SIMD build starts its workers from files and has a pool of exactly 2', async () => {
    const r = await initBackend('wasm', { threads: 2 });
    expect(r.details).toMatchObject({ build: 'threaded-simd', threads: 2, multithreaded: true, threadsFrom: 'run config', simd: true });
    const x = tf.tensor2d([[1, 2], [3, 4]]);
    const y = tf.matMul(x, x);
    expect(Array.from(await y.data())).toEqual([7, 10, 15, 22]);
    tf.dispose([x, y]);
  });

  it('1 thread: the single-threaded SIMD build; switching back and forth works', async () => {
    expect((await initBackend('wasm', { threads: 1 })).details).toMatchObject({ build: 'simd', threads: 1, multithreaded: false });
    expect((await initBackend('wasm', { threads: 2 })).details).toMatchObject({ build: 'threaded-simd', threads: 2 });
    expect((await initBackend('wasm', { threads: 1 })).details).toMatchObject({ build: 'simd', threads: 1 });
    expect(tf.getBackend()).toBe('wasm');
  });

  it('a module that tensors still live on is kept, not replaced under them, and the report says so', async () => {
    await initBackend('wasm', { threads: 2 });
    const t = tf.tensor1d([1, 2, 3]);
    const r = await initBackend('wasm', { threads: 1 });
    expect(r.details).toMatchObject({ build: 'threaded-simd', threads: 2, threadsNote: 'kept the wasm module already running (threaded-simd, 2 threads): tensors live on it' });
    expect(Array.from(await t.data())).toEqual([1, 2, 3]);
    t.dispose();
    expect((await initBackend('wasm', { threads: 1 })).details).toMatchObject({ build: 'simd', threads: 1 });
  });

  it('the default is every core, and $SAM_WASM_THREADS sets it for runs that do not', async () => {
    delete process.env[THREADS_ENV];
    const all = Math.min(machineThreads(), WASM_MAX_THREADS);
    expect((await initBackend('wasm')).details).toMatchObject({ threads: all, threadsFrom: 'all cores', machineThreads: machineThreads() });
    process.env[THREADS_ENV] = '3';
    expect((await initBackend('wasm')).details).toMatchObject({ threads: 3, threadsFrom: THREADS_ENV, build: 'threaded-simd' });
  });

  it('SAM training steps give the same weights, bit for bit, on 1 thread and on 2 (an MLP and a CNN)', async () => {
    const optimizer = optimizerSchema.parse({ kind: 'sgd', lr: 0.05, momentum: 0.9 });
    const sam = samSchema.parse({ rho: 0.05 });
    const train = async (threads: number, kind: 'mlp' | 'cnn') => {
      await initBackend('wasm', { threads });
      const cfg = kind === 'mlp' ? modelSchema.parse({ kind: 'mlp', hidden: [64, 32] }) : modelSchema.parse({ kind: 'cnn', filters: [4, 8], dense: 16 });
      const m = await buildModel(cfg, [28, 28, 1], 10, 5);
      const s = createStepper(m, { optimizer, sam });
      for (let i = 0; i < 3; i++) {
        const x = tf.randomUniform([32, 28, 28, 1], 0, 1, 'float32', 10 + i);
        const y = tf.randomUniform([32], 0, 10, 'int32', 20 + i);
        const r = s.step(x, y, 0.05);
        tf.dispose([x, y, r.loss, r.correct, r.gradNorm, r.epsNorm!, r.perturbedLoss!]);
      }
      const w = m.params.map((p) => Array.from(p.dataSync()));
      s.dispose();
      m.dispose();
      return w;
    };
    for (const kind of ['mlp', 'cnn'] as const) {
      const one = await train(1, kind);
      const two = await train(2, kind);
      expect(two).toEqual(one);
    }
  });

  it('the desktop app’s bundled trainer process trains on the threaded build, and a CNN on data-parallel ranks', async () => {
    // electron-vite's bundle, run as the trainer it is (only Electron's utilityProcess replaced by a
    // forked Node process): the bundle must load the threaded factory, write the worker file and
    // start its pthreads (an MLP takes the pool). (Its shim declares a module-level `require`: a
    // second one broke it.) A CNN takes data-parallel ranks, whose worker is a bundle entry of its
    // own that the trainer's chunk must find.
    const dir = join(work, 'bundle');
    mkdirSync(dir);
    symlinkSync(join(process.cwd(), 'node_modules'), join(dir, 'node_modules'), 'dir');
    const built = await runNode(['node_modules/electron-vite/bin/electron-vite.js', 'build', '--outDir', join(dir, 'out'), '--logLevel', 'error']);
    expect(built.code, built.stderr).toBe(0);
    const base = { seed: 1, epochs: 1, batchSize: 100, backend: 'wasm', threads: 2, data: { name: 'fashion-mnist', limit: 300, testLimit: 100 }, optimizer: { kind: 'sgd', lr: 0.05 }, sam: { rho: 0.05 } };
    const trainBundled = (model: object, name: string) =>
      new Promise<TrainerEvent[]>((resolve, reject) => {
        const seen: TrainerEvent[] = [];
        const child = fork(join(dir, 'out/main/trainer-process.js'), [], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'], execArgv: [] });
        let stderr = '';
        child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
        child.on('message', (m: TrainerToParent) => {
          if (m.type === 'ready') child.send({ type: 'start', runId: 1, config: { ...base, model }, workDir: join(dir, name), resumeFrom: null });
          if (m.type === 'event') seen.push(m.event);
          if (m.type === 'fatal') reject(new Error(`trainer failed: ${m.message}`));
        });
        child.on('error', reject);
        child.on('exit', (code) => (code === 0 ? resolve(seen) : reject(new Error(`trainer exited ${code}: ${stderr}`))));
      });
    const details = (events: TrainerEvent[]) => {
      const started = events.find((e) => e.event === 'started');
      return started?.event === 'started' ? started.backend.details : null;
    };
    const mlp = await trainBundled({ kind: 'mlp', hidden: [32] }, 'mlp');
    expect(details(mlp)).toMatchObject({ build: 'threaded-simd', threads: 2 });
    expect(mlp.at(-1)?.event).toBe('done');
    const cnn = await trainBundled({ kind: 'cnn', filters: [4, 8], dense: 16 }, 'cnn');
    expect(details(cnn)).toMatchObject({ build: 'simd', threads: 2, dataParallelRanks: 2 });
    expect(cnn.at(-1)?.event, JSON.stringify(cnn.at(-1))).toBe('done');
  });

  it('a process whose thread pool sits idle exits by itself; its workers do not inherit its flags', async () => {
    // Emscripten refs a Node worker while it runs a pthread, and XNNPACK's pool threads never end:
    // without unref'ing them the CLI and trainer processes would hang after their last step.
    // Workers inherit the parent's execArgv by default; with --input-type (any `node -e` script)
    // every pthread worker failed to start and took the process down.
    const url = (p: string) => JSON.stringify(pathToFileURL(p).href);
    const script = [
      `import * as tf from ${url(createRequire(import.meta.url).resolve('@tensorflow/tfjs-core'))};`,
      `import { initBackend } from ${url(join(process.cwd(), 'src/engine/backend.ts'))};`,
      'const r = await initBackend("wasm", { threads: 2 });',
      'const y = tf.matMul(tf.ones([64, 64]), tf.ones([64, 64]));',
      'console.log(JSON.stringify({ threads: r.details.threads, y: (await y.data())[0] }));',
    ].join('\n');
    // The timeout only ends a hung child (the failure this test guards against) early.
    const out = await runNode(['--import', 'tsx', '--input-type=module', '-e', script], { timeoutMs: 180_000 });
    expect(out.code, out.stderr).toBe(0);
    expect(JSON.parse(out.stdout)).toEqual({ threads: 2, y: 64 });
  });
});
