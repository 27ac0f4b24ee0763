// What a `layers` model path must be before anything reads it as a model: a TensorFlow.js Layers
// model.json (a JSON object with modelTopology and a weightsManifest whose shards sit beside it,
// sized as the manifest says). Errors name the file and what is wrong, never its contents: a path
// to /etc/passwd must not put the file's first line into a run's failure reason. No tfjs here,
// so the services can check a config before they queue it.
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';

/** A model.json holds the topology and the manifest; the weights are in the shards. */
export const MODEL_JSON_MAX_BYTES = 32 * 2 ** 20;
export const MODEL_WEIGHTS_MAX_BYTES = 2 ** 31;

export class ModelFileError extends Error {
  readonly field = 'model.path';
  constructor(file: string, problem: string) {
    super(`model.path ${file}: ${problem}`);
    this.name = 'ModelFileError';
  }
}

export interface WeightEntry {
  name: string;
  shape: number[];
  dtype: string;
  quantization?: { dtype: string };
}

export interface LayersModelJson {
  modelTopology: object;
  weightsManifest: { paths: string[]; weights: WeightEntry[] }[];
  format?: string;
  generatedBy?: string;
  convertedBy?: string;
}

export interface LayersModelFile {
  json: LayersModelJson;
  /** The weight shards, in manifest order (absolute paths inside the model's folder). */
  shards: string[];
}

const WHAT = 'a TensorFlow.js Layers model.json (what model.save() or tensorflowjs_converter writes)';
const BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1, complex64: 8, uint8: 1, uint16: 2, float16: 2 };
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const shortName = (s: string) => JSON.stringify(s.length > 60 ? `${s.slice(0, 60)}…` : s);

function sizeOf(file: string, p: string): number {
  let st;
  try {
    st = statSync(p);
  } catch (e) {
    throw new ModelFileError(file, `cannot read a tfjs model.json (${(e as NodeJS.ErrnoException).code ?? 'unreadable'})`);
  }
  if (!st.isFile()) throw new ModelFileError(file, `is not a file; give ${WHAT}`);
  return st.size;
}

function parseManifest(file: string, v: unknown): LayersModelJson['weightsManifest'] {
  if (!Array.isArray(v)) throw new ModelFileError(file, `has no weightsManifest list; expected ${WHAT}`);
  return v.map((g, i) => {
    if (!isObject(g) || !Array.isArray(g.paths) || !g.paths.every((p) => typeof p === 'string') || !Array.isArray(g.weights)) {
      throw new ModelFileError(file, `weightsManifest[${i}] needs "paths" (file names) and "weights" (entries); expected ${WHAT}`);
    }
    for (const w of g.weights as unknown[]) {
      const ok = isObject(w) && typeof w.name === 'string' && typeof w.dtype === 'string' && Array.isArray(w.shape) && w.shape.every((d) => Number.isInteger(d) && d >= 0);
      if (!ok) throw new ModelFileError(file, `weightsManifest[${i}] has a weight entry without a name, dtype and shape; expected ${WHAT}`);
    }
    return { paths: g.paths as string[], weights: g.weights as WeightEntry[] };
  });
}

/** A shard path must name a file in the model's own folder (no absolute path, no ..). */
function shardPath(file: string, dir: string, p: string): string {
  const abs = path.resolve(dir, p);
  const rel = path.relative(dir, abs);
  if (path.isAbsolute(p) || /^[a-z][a-z0-9+.-]*:/i.test(p) || rel === '' || rel.startsWith('..') || path.isAbsolute(rel)) {
    throw new ModelFileError(file, `weight file ${shortName(p)} is outside the model's folder; shards must sit beside the model.json`);
  }
  return abs;
}

function expectedWeightBytes(manifest: LayersModelJson['weightsManifest']): number | null {
  let total = 0;
  for (const w of manifest.flatMap((g) => g.weights)) {
    const per = BYTES[w.quantization?.dtype ?? w.dtype];
    if (per === undefined) return null; // string weights have no fixed size
    total += per * w.shape.reduce((a, b) => a * b, 1);
  }
  return total;
}

/** Read and check a Layers model.json and its shards' sizes (not their bytes). Throws ModelFileError. */
export function readLayersModelFile(file: string): LayersModelFile {
  const size = sizeOf(file, file);
  if (size > MODEL_JSON_MAX_BYTES) {
    throw new ModelFileError(file, `is ${(size / 2 ** 20).toFixed(0)} MiB; ${WHAT} is at most ${MODEL_JSON_MAX_BYTES / 2 ** 20} MiB (the weights live in separate shards)`);
  }
  const text = readFileSync(file, 'utf8').replace(/^\uFEFF/, '');
  // Format first, and never the parser's message: it quotes the file's contents.
  if (!text.trimStart().startsWith('{')) throw new ModelFileError(file, `is not ${WHAT}: it is not a JSON object`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new ModelFileError(file, `is not ${WHAT}: it is not valid JSON`);
  }
  if (!isObject(parsed) || !isObject(parsed.modelTopology)) throw new ModelFileError(file, `no modelTopology; expected ${WHAT}`);
  if (parsed.format !== undefined && parsed.format !== 'layers-model') {
    throw new ModelFileError(file, `is a ${typeof parsed.format === 'string' ? shortName(parsed.format) : 'non-Layers'} model; only a Layers model (format "layers-model") can be fine-tuned`);
  }
  const manifest = parseManifest(file, parsed.weightsManifest ?? []);
  const dir = path.dirname(path.resolve(file));
  const shards = manifest.flatMap((g) => g.paths.map((p) => shardPath(file, dir, p)));
  let total = 0;
  for (const s of shards) {
    try {
      total += statSync(s).size;
    } catch {
      throw new ModelFileError(file, `weight file ${s} is missing`);
    }
  }
  if (total > MODEL_WEIGHTS_MAX_BYTES) throw new ModelFileError(file, `its weight files hold ${total.toLocaleString('en-US')} bytes, more than ${MODEL_WEIGHTS_MAX_BYTES.toLocaleString('en-US')}`);
  const expected = expectedWeightBytes(manifest);
  if (expected !== null && expected !== total) {
    throw new ModelFileError(file, `its weight files hold ${total.toLocaleString('en-US')} bytes but the manifest describes ${expected.toLocaleString('en-US')}; the shards do not belong to this model.json`);
  }
  return { json: { ...(parsed as unknown as LayersModelJson), weightsManifest: manifest }, shards };
}
