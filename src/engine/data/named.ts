// Loads the named sets (MNIST family from IDX, CIFAR from binary batches), downloading them on a
// user's machine when they are missing and downloading is allowed.
import { existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { cacheRoot, defaultDir, NAMED_SETS, type NamedSet } from './catalog';
import { CIFAR_FILES, cifarClassNames, concatBatches, findCifarDir, readCifarFile } from './cifar';
import { fetchVerified, type ProgressFn } from './download';
import { DataError, fileError } from './errors';
import { loadIdxPair } from './idx';
import type { RawDataset, RawSplit } from './raw';
import { readMaybeGzip } from './read-file';
import { extractTar } from './tar';

export interface NamedLoadOptions {
  /**
   * Fetch missing files. Default: yes, except with SAM_STUDIO_OFFLINE=1 or under vitest (VITEST
   * set), so no test — nor a trainer process a test spawns — ever reaches the internet.
   */
  download?: boolean;
  onProgress?: ProgressFn;
  signal?: AbortSignal;
}

export const IDX_BASENAMES = {
  trainImages: 'train-images-idx3-ubyte',
  trainLabels: 'train-labels-idx1-ubyte',
  testImages: 't10k-images-idx3-ubyte',
  testLabels: 't10k-labels-idx1-ubyte',
} as const;

/** The file for an IDX base name in `dir`: .gz as distributed, unpacked, or with the dotted name some mirrors use. */
export function findIdxFile(dir: string, base: string): string | null {
  const dotted = base.replace(/-(idx\d)/, '.$1');
  for (const f of [`${base}.gz`, base, `${dotted}.gz`, dotted]) {
    const p = join(dir, f);
    if (existsSync(p)) return p;
  }
  return null;
}

function downloadAllowed(opts: NamedLoadOptions): boolean {
  return opts.download ?? (process.env.SAM_STUDIO_OFFLINE !== '1' && !process.env.VITEST);
}

/** What to tell a user whose files are missing. */
export function missingHelp(name: NamedSet, dir: string, missing: string[]): string {
  const info = NAMED_SETS[name];
  const where = [`put ${info.format === 'idx' ? 'the files (.gz or unpacked)' : `the extracted ${CIFAR_FILES[info.format].sub} folder`} in ${dir}`];
  if (info.apt) where.unshift(`install them with "apt-get install ${info.apt.pkg}" (they land in ${info.apt.dir})`);
  where.push('or set data.path to the folder that holds them');
  return `${info.title} not found in ${dir} (missing: ${missing.join(', ')}). To use it, ${where.join(', ')}.`;
}

/** For the run log: the folder, and the Debian package when that is where it came from. */
function describeDir(name: NamedSet, dir: string): string {
  const apt = NAMED_SETS[name].apt;
  return apt && dir === apt.dir ? `${dir} (Debian ${apt.pkg})` : dir;
}

async function download(name: NamedSet, target: string, opts: NamedLoadOptions, onlyFiles?: string[]): Promise<void> {
  const info = NAMED_SETS[name];
  for (const remote of info.downloads) {
    if (onlyFiles && !onlyFiles.some((f) => remote.file.startsWith(f))) continue;
    await fetchVerified(remote, join(target, remote.file), opts);
  }
}

function idxSplit(name: NamedSet, imagesPath: string, labelsPath: string): { split: RawSplit; rows: number; cols: number } {
  const p = loadIdxPair(imagesPath, labelsPath);
  const classes = NAMED_SETS[name].classNames.length;
  const y = new Int32Array(p.n);
  for (let i = 0; i < p.n; i++) {
    if (p.labels[i] >= classes) throw fileError(labelsPath, `label ${p.labels[i]} at index ${i} is out of range; ${NAMED_SETS[name].title} has classes 0–${classes - 1}`);
    y[i] = p.labels[i];
  }
  return { split: { x: p.images, y, n: p.n }, rows: p.rows, cols: p.cols };
}

async function loadIdxSet(name: NamedSet, pathOverride: string | undefined, opts: NamedLoadOptions): Promise<RawDataset> {
  let dir = defaultDir(name, pathOverride);
  const locate = (d: string) => Object.fromEntries(Object.entries(IDX_BASENAMES).map(([k, base]) => [k, findIdxFile(d, base)])) as Record<keyof typeof IDX_BASENAMES, string | null>;
  let files = locate(dir);
  const missingOf = (f: typeof files) => Object.entries(f).filter(([, v]) => v === null).map(([k]) => IDX_BASENAMES[k as keyof typeof IDX_BASENAMES]);
  if (missingOf(files).length > 0) {
    const missing = missingOf(files);
    if (!downloadAllowed(opts)) throw new DataError(missingHelp(name, dir, missing.map((m) => `${m}.gz`)), dir);
    // Downloads go to data.path when given, else to the user cache (a system folder is read-only).
    const target = pathOverride ?? join(cacheRoot(), name);
    try {
      await download(name, target, opts, missing);
    } catch (e) {
      throw new DataError(`${missingHelp(name, dir, missing.map((m) => `${m}.gz`))} Downloading failed: ${(e as Error).message}`, dir);
    }
    dir = target;
    files = locate(dir);
  }
  opts.onProgress?.({ phase: 'load', done: 0, total: 2, message: `reading ${NAMED_SETS[name].title} from ${dir}` });
  const train = idxSplit(name, files.trainImages!, files.trainLabels!);
  opts.onProgress?.({ phase: 'load', done: 1, total: 2 });
  const test = idxSplit(name, files.testImages!, files.testLabels!);
  opts.onProgress?.({ phase: 'load', done: 2, total: 2 });
  if (test.rows !== train.rows || test.cols !== train.cols) {
    throw fileError(files.testImages!, `images are ${test.rows}×${test.cols} but the training images in ${files.trainImages} are ${train.rows}×${train.cols}`);
  }
  return {
    name,
    kind: 'image',
    inputShape: [train.rows, train.cols, 1],
    numClasses: NAMED_SETS[name].classNames.length,
    classNames: NAMED_SETS[name].classNames,
    train: train.split,
    test: test.split,
    source: describeDir(name, dir),
  };
}

async function loadCifarSet(name: 'cifar10' | 'cifar100', pathOverride: string | undefined, opts: NamedLoadOptions): Promise<RawDataset> {
  const defaultFolder = defaultDir(name, pathOverride);
  let dir = findCifarDir(defaultFolder, name);
  const f = CIFAR_FILES[name];
  if (!dir) {
    const missing = [...f.train, ...f.test];
    if (!downloadAllowed(opts)) throw new DataError(missingHelp(name, defaultFolder, missing), defaultFolder);
    const target = pathOverride ?? join(cacheRoot(), name);
    try {
      await download(name, target, opts);
      const archive = join(target, NAMED_SETS[name].downloads[0].file);
      opts.onProgress?.({ phase: 'extract', done: 0, total: 1, message: `unpacking ${archive}` });
      extractTar(readMaybeGzip(archive), archive, target, (n) => n.startsWith(`${f.sub}/`));
      // The unpacked batches are what we read; the 170 MB archive need not stay in the cache.
      rmSync(archive, { force: true });
      rmSync(`${archive}.sha256`, { force: true });
      opts.onProgress?.({ phase: 'extract', done: 1, total: 1 });
    } catch (e) {
      throw new DataError(`${missingHelp(name, defaultFolder, missing)} Downloading failed: ${(e as Error).message}`, defaultFolder);
    }
    dir = findCifarDir(target, name);
    if (!dir) throw new DataError(missingHelp(name, target, missing), target);
  }
  const read = (files: readonly string[]) =>
    concatBatches(
      files.map((file) => {
        const p = join(dir!, file);
        if (!existsSync(p)) throw fileError(p, `missing; ${NAMED_SETS[name].title} needs ${[...f.train, ...f.test].join(', ')} in ${dir}`);
        return readCifarFile(p, name);
      }),
    );
  opts.onProgress?.({ phase: 'load', done: 0, total: 2, message: `reading ${NAMED_SETS[name].title} from ${dir}` });
  const train = read(f.train);
  const test = read(f.test);
  opts.onProgress?.({ phase: 'load', done: 2, total: 2 });
  const classNames = cifarClassNames(dir, name, NAMED_SETS[name].classNames);
  return {
    name,
    kind: 'image',
    inputShape: [32, 32, 3],
    numClasses: classNames.length,
    classNames,
    train: { x: train.x, y: train.y, n: train.n },
    test: { x: test.x, y: test.y, n: test.n },
    source: describeDir(name, dir),
  };
}

/**
 * The last named set read, kept so a process that loads the same set again (a run, then its
 * analysis; a test file) skips the gunzip. One entry only, so at most one set stays in memory.
 * Safe because the pipeline copies what it keeps and never writes into a RawDataset.
 */
let memo: { key: string; raw: RawDataset } | null = null;

function memoKey(name: NamedSet, pathOverride: string | undefined): string | null {
  const dir = defaultDir(name, pathOverride);
  if (!existsSync(dir)) return null;
  // Any change to the folder's files (re-download, replaced file) changes the key.
  const stamp = readdirSync(dir)
    .sort()
    .map((f) => {
      const st = statSync(join(dir, f));
      return `${f}:${st.size}:${st.mtimeMs}`;
    })
    .join('|');
  return `${name}\n${dir}\n${stamp}`;
}

export async function loadNamedSet(name: NamedSet, pathOverride: string | undefined, opts: NamedLoadOptions): Promise<RawDataset> {
  const key = memoKey(name, pathOverride);
  if (key !== null && memo?.key === key) return memo.raw;
  const format = NAMED_SETS[name].format;
  const raw = await (format === 'idx' ? loadIdxSet(name, pathOverride, opts) : loadCifarSet(format, pathOverride, opts));
  // The key is taken again after loading: a download may have just filled the folder.
  const after = memoKey(name, pathOverride);
  memo = after === null ? null : { key: after, raw };
  return raw;
}

