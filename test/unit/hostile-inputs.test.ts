// A corpus of bad and hostile inputs — run configs, data files, model files and API requests —
// sent through the real doors (HTTP and WebSocket of the browser door, the dispatcher Electron's
// IPC uses) to real services on a real SQLite file, and through the data and model loaders a
// trainer runs. Each must fail with a named error that says what is wrong (and where), and the
// store must be exactly as it was (a dump of every table before and after each case).
import { request } from 'node:http';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { WebSocket } from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStudioServices, type StudioServices } from '../../src/main/services/index';
import { NodeTrainerLauncher } from '../../src/main/services/node-trainer-launcher';
import { startServer, type RunningServer } from '../../src/server/index';
import { dispatchApiCall } from '../../src/shared/dispatch';
import { parseRunConfig, type RunConfigInput } from '../../src/shared/config';
import type { WireError } from '../../src/shared/wire';
import { loadDataset } from '../../src/engine/data/index';
import { fileHandler } from '../../src/engine/models/layers-model';
import { idxBomb, idxFolder, idxHeader, IMAGES, LABELS, layersModel, sparseFile, write } from '../fixtures/hostile/files';
import { makeTempDir, removeTempDir } from './helpers/tmp';
import { gzipSync } from 'node:zlib';

const moons: RunConfigInput = {
  epochs: 1,
  batchSize: 16,
  backend: 'cpu',
  data: { name: 'synthetic-moons', samples: 64 },
  model: { kind: 'mlp', hidden: [8] },
  optimizer: { kind: 'sgd', lr: 0.1 },
};
const moonsJson = JSON.stringify(moons);
/** The moons config with one key set, as JSON text (so 1e400 can be written literally); JSON's last duplicate key wins. */
const withJson = (key: string, json: string) => moonsJson.replace(/}$/, `,${JSON.stringify(key)}:${json}}`);

let dir: string;
let services: StudioServices;
let server: RunningServer;
let seededRun: number;

/** Every table's rows, sorted: two equal dumps mean nothing in the store changed. */
function dump(): string {
  const db = new Database(join(dir, 'runs.db'), { readonly: true });
  try {
    const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as { name: string }[]).map((t) => t.name);
    return JSON.stringify(tables.map((t) => [t, (db.prepare(`SELECT * FROM "${t}"`).all() as unknown[]).map((r) => JSON.stringify(r)).sort()]));
  } finally {
    db.close();
  }
}

interface Outcome {
  status?: number;
  error: WireError | null;
}

/** A call through the dispatcher Electron's IPC door and the WebSocket use. */
async function viaDispatch(method: string, args: unknown): Promise<Outcome> {
  const reply = await dispatchApiCall(services, 1, method, args);
  return { error: reply.ok ? null : reply.error };
}

/** A raw HTTP request to the browser door (token added unless `token` is given). */
function viaHttp(method: string, path: string, body?: string | Buffer, headers: Record<string, string> = {}, token: string | null = server.token): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const sep = path.includes('?') ? '&' : '?';
    const req = request({ host: '127.0.0.1', port: server.port, method, path: token ? `${path}${sep}token=${token}` : path, headers }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => {
        let error: WireError | null = null;
        try {
          error = (JSON.parse(text) as { error?: WireError }).error ?? null;
        } catch {
          error = { name: `HTTP ${res.statusCode}`, message: text };
        }
        resolve({ status: res.statusCode, error: (res.statusCode ?? 500) < 400 ? null : error });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

const call = (method: string, bodyJson: string) => viaHttp('POST', `/api/call/${method}`, bodyJson, { 'content-type': 'application/json' });

/** One raw WebSocket frame; the reply's error, or the close code when the server hangs up. */
function viaWs(frame: string | Buffer, opts: { origin?: string } = {}): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/ws?token=${server.token}`, opts.origin ? { origin: opts.origin } : {});
    ws.on('unexpected-response', (_req, res) => {
      resolve({ status: res.statusCode, error: { name: `HTTP ${res.statusCode}`, message: res.statusMessage ?? '' } });
      ws.terminate();
    });
    ws.on('open', () => ws.send(frame));
    ws.on('message', (data) => {
      const reply = JSON.parse(data.toString()) as { push?: unknown; ok?: boolean; error?: WireError };
      if (reply.push) return;
      resolve({ error: reply.ok ? null : reply.error! });
      ws.close();
    });
    ws.on('close', (code, reason) => resolve({ error: { name: `WebSocket close ${code}`, message: reason.toString() } }));
    ws.on('error', (err) => (err.message.includes('Unexpected server response') ? undefined : reject(err)));
  });
}

/** What the trainer process runs on a config: the data loader (no download). */
async function viaLoader(config: RunConfigInput): Promise<Outcome> {
  try {
    await loadDataset(parseRunConfig(config).data, { seed: 0, download: false });
    return { error: null };
  } catch (e) {
    return { error: { name: (e as Error).name, message: (e as Error).message } };
  }
}

interface Case {
  name: string;
  run: () => Promise<Outcome>;
  /** The error's name, the field it names (if any), and what its message must say. */
  error: string;
  field?: string;
  message: RegExp;
  status?: number;
  /** Text that must never appear in the answer (file contents, for instance). */
  never?: string;
}

const cases: Case[] = [];
const add = (c: Case) => cases.push(c);

// ---- run configs (createRun over HTTP, the WebSocket and the IPC dispatcher) ----
const config = (key: string, json: string) => `[${withJson(key, json)}]`;
add({ name: 'misspelt optimizer key', run: () => call('createRun', config('optimizer', '{"kind":"sgd","lr":0.1,"weightdecay":0.5}')), status: 400, error: 'ApiValidationError', field: 'optimizer.weightdecay', message: /did you mean optimizer\.weightDecay\?/ });
add({ name: 'hidden layer of 1e8 units', run: () => call('createRun', config('model', '{"kind":"mlp","hidden":[1e8]}')), status: 400, error: 'ApiValidationError', field: 'model.hidden[0]', message: /must be ≤ 16,384/ });
add({ name: 'hidden layers too big together', run: () => call('createRun', config('model', '{"kind":"mlp","hidden":[16384,16384,16384]}')), status: 400, error: 'ApiValidationError', field: 'model.hidden', message: /more than 134,217,728 weights/ });
add({ name: 'lr 1e400 (overflows to Infinity)', run: () => call('createRun', config('optimizer', '{"kind":"sgd","lr":1e400}')), status: 400, error: 'ApiValidationError', field: 'optimizer.lr', message: /must be a finite number, got Infinity/ });
add({ name: 'momentum -1e400', run: () => call('createRun', config('optimizer', '{"kind":"sgd","lr":0.1,"momentum":-1e400}')), status: 400, error: 'ApiValidationError', field: 'optimizer.momentum', message: /finite number, got -Infinity/ });
add({ name: 'lr as text', run: () => call('createRun', config('optimizer', '{"kind":"sgd","lr":"0.1"}')), status: 400, error: 'ApiValidationError', field: 'optimizer.lr', message: /optimizer\.lr must be a number/ });
add({ name: 'negative lr', run: () => call('createRun', config('optimizer', '{"kind":"sgd","lr":-0.1}')), status: 400, error: 'ApiValidationError', field: 'optimizer.lr', message: /must be > 0/ });
add({ name: 'batch size 1e9', run: () => call('createRun', config('batchSize', '1000000000')), status: 400, error: 'ApiValidationError', field: 'batchSize', message: /≤ 65536/ });
add({ name: 'fractional epochs', run: () => call('createRun', config('epochs', '1.5')), status: 400, error: 'ApiValidationError', field: 'epochs', message: /whole number/ });
add({ name: 'm not dividing the batch', run: () => call('createRun', config('sam', '{"rho":0.05,"m":5}')), status: 400, error: 'ApiValidationError', field: 'sam.m', message: /does not divide batchSize = 16/ });
add({ name: 'unknown data set', run: () => call('createRun', config('data', '{"name":"imagenet"}')), status: 400, error: 'ApiValidationError', field: 'data.name', message: /unknown data set/ });
add({ name: 'unknown model kind', run: () => call('createRun', config('model', '{"kind":"transformer"}')), status: 400, error: 'ApiValidationError', field: 'model.kind', message: /unknown model\.kind/ });
add({ name: 'wide-resnet depth 1e6', run: () => call('createRun', config('model', '{"kind":"wrn","depth":1000006}')), status: 400, error: 'ApiValidationError', field: 'model.depth', message: /≤ 202/ });
add({ name: '__proto__ key', run: () => call('createRun', `[${moonsJson.replace(/}$/, ',"__proto__":{"polluted":true}}')}]`), status: 400, error: 'ApiValidationError', field: '__proto__', message: /__proto__ is not a setting/ });
add({ name: 'constructor key in optimizer', run: () => call('createRun', config('optimizer', '{"kind":"sgd","lr":0.1,"constructor":{"name":"x"}}')), status: 400, error: 'ApiValidationError', field: 'optimizer.constructor', message: /is not a setting/ });
add({ name: 'config is null', run: () => call('createRun', '[null]'), status: 400, error: 'ApiValidationError', message: /expected object/ });
add({ name: 'config is a 100,000-deep array', run: () => call('createRun', `[${'['.repeat(100_000)}${']'.repeat(100_000)}]`), status: 400, error: 'ApiValidationError', message: /expected object/ });
add({ name: 'run name of 201 characters', run: () => call('createRun', `[${moonsJson},{"name":${JSON.stringify('x'.repeat(201))}}]`), status: 400, error: 'ApiValidationError', field: 'name', message: /at most 200 characters/ });
add({ name: '10,000 tags on createRun', run: () => call('createRun', `[${moonsJson},{"tags":${JSON.stringify(Array.from({ length: 10_000 }, (_, i) => `t${i}`))}}]`), status: 400, error: 'ApiValidationError', field: 'tags', message: /at most 50 tags/ });
add({ name: 'empty tag on createRun', run: () => viaDispatch('createRun', [moons, { tags: [''] }]), error: 'ApiValidationError', field: 'tags[0]', message: /must not be empty/ });
add({ name: 'sweep of 10^6 runs', run: () => viaDispatch('createSweep', [{ name: 'huge', base: moons, rho: Array.from({ length: 1000 }, (_, i) => i / 1e4), seeds: Array.from({ length: 1000 }, (_, i) => i) }]), error: 'ApiValidationError', field: 'rho', message: /would create up to 1,001,000 runs; at most 1,000/ });
add({ name: 'lr 1e400 over the WebSocket', run: () => viaWs(`{"id":7,"method":"createRun","args":${config('optimizer', '{"kind":"sgd","lr":1e400}')}}`), error: 'ApiValidationError', field: 'optimizer.lr', message: /finite number/ });

// ---- files a config points at (refused before a run is queued) ----
const files = makeTempDir('sam-hostile-files-');
{
  add({ name: 'data.path that does not exist', run: () => viaDispatch('createRun', [{ ...moons, data: { name: 'csv', path: join(files, 'missing.csv') } }]), error: 'ApiValidationError', field: 'data.path', message: /does not exist/ });
  add({ name: 'CSV data.path that is a folder', run: () => viaDispatch('createRun', [{ ...moons, data: { name: 'csv', path: files } }]), error: 'ApiValidationError', field: 'data.path', message: /is a folder, expected a file/ });
  add({ name: 'layers model /etc/passwd', run: () => viaDispatch('createRun', [{ ...moons, model: { kind: 'layers', path: '/etc/passwd' } }]), error: 'ApiValidationError', field: 'model.path', message: /is not a TensorFlow\.js Layers model\.json.*not a JSON object/, never: 'root:' });
  add({ name: 'layers model that is broken JSON', run: () => viaDispatch('createRun', [{ ...moons, model: { kind: 'layers', path: write(files, 'broken.json', '{"modelTopology": {"secret-token-123') } }]), error: 'ApiValidationError', field: 'model.path', message: /not valid JSON/, never: 'secret-token-123' });
  add({ name: 'layers model that is a JSON array', run: () => viaDispatch('createRun', [{ ...moons, model: { kind: 'layers', path: write(files, 'array.json', '[1,2,3]') } }]), error: 'ApiValidationError', field: 'model.path', message: /not a JSON object/ });
  add({ name: 'layers model without topology', run: () => viaDispatch('createRun', [{ ...moons, model: { kind: 'layers', path: write(files, 'package.json', '{"name":"x","version":"1.0.0"}') } }]), error: 'ApiValidationError', field: 'model.path', message: /no modelTopology/ });
  add({ name: 'layers model whose shard escapes its folder', run: () => viaDispatch('createRun', [{ ...moons, model: { kind: 'layers', path: layersModel(files, 'escape', { paths: ['../../../../etc/shadow'] }) } }]), error: 'ApiValidationError', field: 'model.path', message: /outside the model's folder/ });
  add({ name: 'layers model whose shard is an absolute path', run: () => viaDispatch('createRun', [{ ...moons, model: { kind: 'layers', path: layersModel(files, 'absolute', { paths: ['/etc/hostname'] }) } }]), error: 'ApiValidationError', field: 'model.path', message: /outside the model's folder/ });
  add({ name: 'layers model with a shard of the wrong size', run: () => viaDispatch('createRun', [{ ...moons, model: { kind: 'layers', path: layersModel(files, 'short', { shardBytes: 12 }) } }]), error: 'ApiValidationError', field: 'model.path', message: /hold 12 bytes but the manifest describes 40/ });
  add({ name: 'graph model instead of a layers model', run: () => viaDispatch('createRun', [{ ...moons, model: { kind: 'layers', path: layersModel(files, 'graph', { format: 'graph-model' }) } }]), error: 'ApiValidationError', field: 'model.path', message: /only a Layers model/ });
  const fashion = (path: string): RunConfigInput => ({ ...moons, data: { name: 'fashion-mnist', path } });
  add({ name: 'IDX folder: a .gz of zeros', run: () => viaDispatch('createRun', [fashion(idxFolder(files, 'zeros', { trainImages: gzipSync(Buffer.alloc(4 << 20)) }))]), error: 'ApiValidationError', field: 'data.path', message: /wrong magic number 0x00000000/ });
  add({ name: 'IDX folder: images and labels swapped', run: () => viaDispatch('createRun', [fashion(idxFolder(files, 'swapped', { trainImages: gzipSync(Buffer.concat([idxHeader(LABELS, [4]), Buffer.alloc(4)])) }))]), error: 'ApiValidationError', field: 'data.path', message: /images and labels swapped/ });
  add({ name: 'IDX header promising 2^32 values', run: () => viaDispatch('createRun', [fashion(idxFolder(files, 'promise', { trainImages: gzipSync(idxHeader(IMAGES, [65536, 256, 256])) }))]), error: 'ApiValidationError', field: 'data.path', message: /more than the 1,073,741,824 an IDX file may hold/ });
  add({ name: 'IDX labels that disagree with the images', run: () => viaLoader(fashion(idxFolder(files, 'disagree', { trainImages: gzipSync(Buffer.concat([idxHeader(IMAGES, [4, 28, 28]), Buffer.alloc(3136)])), trainLabels: gzipSync(Buffer.concat([idxHeader(LABELS, [5]), Buffer.alloc(5)])) }))), error: 'DataError', message: /has 5 labels but .* has 4 images/ });
  add({ name: 'IDX raw file cut short', run: () => viaDispatch('createRun', [fashion(idxFolder(files, 'short', { trainImages: Buffer.concat([idxHeader(IMAGES, [4, 28, 28]), Buffer.alloc(100)]) }))]), error: 'ApiValidationError', field: 'data.path', message: /truncated: the header says 4 × 28 × 28/ });
  add({ name: 'IDX size 0 in the header', run: () => viaDispatch('createRun', [fashion(idxFolder(files, 'empty', { trainImages: gzipSync(idxHeader(IMAGES, [0, 28, 28])) }))]), error: 'ApiValidationError', field: 'data.path', message: /include a 0/ });
  add({ name: 'IDX .gz with 64 KiB of gzip header junk', run: () => viaDispatch('createRun', [fashion(idxFolder(files, 'junk', { trainImages: Buffer.concat([Buffer.from([0x1f, 0x8b, 8, 0x10, 0, 0, 0, 0, 0, 3]), Buffer.alloc(64 * 1024, 0x41)]) }))]), error: 'ApiValidationError', field: 'data.path', message: /no data in its first|not a valid gzip/ });

  // ---- data files the trainer reads (its loader, exactly as train() calls it) ----
  add({ name: 'gzip bomb behind an honest IDX header (256 MB of zeros)', run: () => viaLoader(fashion(idxFolder(files, 'bomb', { trainImages: idxBomb(256) }))), error: 'DataError', message: /inflates to more than 3,152 bytes, what its header promises \(4 × 28 × 28 values after a 16-byte header\)/ });
  add({ name: 'CSV value 1e400', run: () => viaLoader({ ...moons, data: { name: 'csv', path: write(files, 'overflow.csv', 'a,b,label\n1,2,x\n3,1e400,y\n5,6,x\n') } }), error: 'DataError', message: /line 3, column 2 \("b"\): "1e400" is out of range; features are 32-bit floats/ });
  add({ name: 'CSV value 3.5e38 (beyond float32)', run: () => viaLoader({ ...moons, data: { name: 'csv', path: write(files, 'f32.csv', '1,2,x\n3,-3.5e38,y\n') } }), error: 'DataError', message: /line 2, column 2: "-3\.5e38" is out of range/ });
  add({ name: 'CSV NaN feature', run: () => viaLoader({ ...moons, data: { name: 'csv', path: write(files, 'nan.csv', '1,2,x\nNaN,1,y\n') } }), error: 'DataError', message: /line 2, column 1: "NaN" is not a number/ });
  add({ name: 'CSV 10 kB cell is not echoed whole', run: () => viaLoader({ ...moons, data: { name: 'csv', path: write(files, 'longcell.csv', `1,2,x\n${'z'.repeat(10_000)},1,y\n`) } }), error: 'DataError', message: /"z{40}…" is not a number/, never: 'z'.repeat(41) });
  add({ name: 'CSV ragged row', run: () => viaLoader({ ...moons, data: { name: 'csv', path: write(files, 'ragged.csv', '1,2,x\n3,y\n') } }), error: 'DataError', message: /line 2 has 2 columns, expected 3/ });
  add({ name: 'CSV with a single class', run: () => viaLoader({ ...moons, data: { name: 'csv', path: write(files, 'oneclass.csv', '1,2,x\n3,4,x\n') } }), error: 'DataError', message: /single value \("x"\)/ });
  add({ name: 'CSV of 300 MiB', run: () => viaLoader({ ...moons, data: { name: 'csv', path: sparseFile(files, 'huge.csv', 300 * 2 ** 20) } }), error: 'DataError', message: /is 300 MiB; a CSV data set may be at most 256 MiB/ });
  add({ name: 'truncated .gz IDX file', run: () => viaLoader(fashion(idxFolder(files, 'cut', { trainImages: gzipSync(Buffer.concat([idxHeader(IMAGES, [4, 28, 28]), Buffer.alloc(3136, 7)])).subarray(0, 40) }))), error: 'DataError', message: /truncated|not a valid gzip/ });
  add({
    name: 'layers model /etc/passwd, read by the trainer',
    run: () => fileHandler('/etc/passwd').load!().then(() => ({ error: null }), (e: Error) => ({ error: { name: e.name, message: e.message } })),
    error: 'ModelFileError',
    message: /model\.path \/etc\/passwd: is not a TensorFlow\.js Layers model\.json/,
    never: 'root:',
  });
}

// ---- API requests ----
add({ name: 'body that is not JSON', run: () => call('createRun', '{"epochs": 1,'), status: 400, error: 'BadRequest', message: /body must be a JSON array of arguments/ });
add({ name: 'body over 5 MB', run: () => call('createRun', `["${'a'.repeat(6 * 1024 * 1024)}"]`), status: 413, error: 'PayloadTooLarge', message: /over 5,242,880 bytes/ });
add({ name: 'unknown method', run: () => call('dropDatabase', '[]'), status: 400, error: 'ApiValidationError', message: /unknown method; expected one of/ });
add({ name: 'delete with a run id as text', run: () => call('deleteRun', '["1"]'), status: 400, error: 'ApiValidationError', message: /expected number/ });
add({ name: 'delete with a negative run id', run: () => call('deleteRun', '[-1]'), status: 400, error: 'ApiValidationError', message: /expected number to be >0|too small/i });
add({ name: 'delete with a fractional run id', run: () => call('deleteRun', '[1.5]'), status: 400, error: 'ApiValidationError', message: /expected int/ });
add({ name: 'delete of a run that does not exist', run: () => call('deleteRun', '[99999]'), status: 404, error: 'RunNotFoundError', message: /run 99999 does not exist/ });
add({ name: 'update with 10,000 tags', run: () => viaDispatch('updateRun', [1, { tags: Array.from({ length: 10_000 }, (_, i) => `t${i}`) }]), error: 'ApiValidationError', field: 'tags', message: /at most 50 tags/ });
add({ name: 'update with an empty name', run: () => call('updateRun', '[1,{"name":""}]'), status: 400, error: 'ApiValidationError', field: 'name', message: /must not be empty/ });
add({ name: 'update that tries to set the status', run: () => call('updateRun', '[1,{"status":"done","failureReason":null}]'), status: 400, error: 'ApiValidationError', field: 'status', message: /status is not a setting/ });
add({ name: 'run list with a 10 kB search', run: () => viaHttp('GET', `/api/runs?search=${'%25'.repeat(3000)}`), status: 400, error: 'ApiValidationError', field: 'search', message: /200/ });
add({ name: 'run list with limit=abc', run: () => viaHttp('GET', '/api/runs?limit=abc'), status: 400, error: 'ApiValidationError', field: 'limit', message: /limit must be a number, got NaN/ });
add({ name: 'series of 10,000 runs', run: () => viaDispatch('getSeries', [{ runIds: Array.from({ length: 10_000 }, (_, i) => i + 1) }]), error: 'ApiValidationError', field: 'runIds', message: /200/ });
add({ name: 'report on a run that does not exist', run: () => viaDispatch('exportReport', [{ runIds: [424242], format: 'csv' }]), error: 'ReportRunNotFoundError', message: /424242/ });
add({ name: 'report in an unknown format', run: () => viaDispatch('exportReport', [{ runIds: [1], format: 'xlsx' }]), error: 'ApiValidationError', field: 'format', message: /html|csv/ });
add({ name: 'artifact that does not exist', run: () => viaHttp('GET', '/api/artifacts/777'), status: 404, error: 'ArtifactNotFoundError', message: /artifact 777 does not exist/ });
add({ name: 'API call without the token', run: () => viaHttp('GET', '/api/runs', undefined, {}, null), status: 401, error: 'Unauthorized', message: /missing or wrong token/ });
add({ name: 'API call from a foreign origin, with the token', run: () => viaHttp('POST', '/api/call/deleteRun', '[1]', { origin: 'https://evil.example' }), status: 403, error: 'ForbiddenOrigin', message: /https:\/\/evil\.example are not allowed/ });
add({ name: 'WebSocket from a foreign origin, with the token', run: () => viaWs('{"id":1,"method":"deleteRun","args":[1]}', { origin: 'https://evil.example' }), status: 403, error: 'HTTP 403', message: /Forbidden/ });
add({ name: 'WebSocket frame that is not JSON', run: () => viaWs('deleteRun(1)'), error: 'BadRequest', message: /not JSON/ });
add({ name: 'WebSocket request without an id', run: () => viaWs('{"method":"deleteRun","args":[1]}'), error: 'BadRequest', message: /a request is \{ id: number, method: string, args: unknown\[\] \}/ });
add({ name: 'WebSocket frame over 16 MiB', run: () => viaWs(Buffer.alloc(17 * 1024 * 1024, 0x20)), error: 'WebSocket close 1009', message: /^(|Max payload size exceeded)$/ });

beforeAll(async () => {
  dir = makeTempDir('sam-hostile-');
  services = createStudioServices({ dbPath: join(dir, 'runs.db'), workDir: dir, launcher: new NodeTrainerLauncher() });
  server = await startServer({ services, staticDir: join(dir, 'no-web') });
  // Something to lose: a finished run with metrics, checkpoints and logs.
  const run = await services.createRun(moons, { name: 'seeded', tags: ['keep'] });
  seededRun = (await services.waitForRun(run.id)).id;
});
afterAll(async () => {
  await server?.close();
  await services?.close();
  removeTempDir(dir);
  removeTempDir(files);
});

describe('hostile inputs', () => {
  it('the corpus holds at least 40 configs, data files and API requests', () => {
    expect(cases.length).toBeGreaterThanOrEqual(40);
    expect(new Set(cases.map((c) => c.name)).size).toBe(cases.length);
  });

  it('the seeded run is there to lose', async () => {
    expect((await services.getRun(seededRun)).status).toBe('done');
    expect(seededRun).toBe(1);
  });

  it.each(cases.map((c) => [c.name, c] as const))('%s: a named error, the store unchanged', async (_name, c) => {
    const before = dump();
    const out = await c.run();
    expect(out.error, 'the input was accepted').not.toBeNull();
    const e = out.error!;
    expect(e.name).toBe(c.error);
    if (c.status !== undefined) expect(out.status).toBe(c.status);
    const text = [e.message, ...(e.issues ?? []).map((i) => i.message)].join('\n');
    expect(text).toMatch(c.message);
    if (c.field !== undefined) expect(e.issues?.map((i) => i.field)).toContain(c.field);
    if (c.never !== undefined) expect(text).not.toContain(c.never);
    expect(dump()).toBe(before);
    expect(await services.listRuns()).toHaveLength(1);
  });
});
