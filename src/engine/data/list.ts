// What data this machine has, for the UI's data picker: which named sets are on disk (and where),
// and what the others would cost to fetch.
import { statSync } from 'node:fs';
import { join } from 'node:path';
import type { DatasetInfo } from '../../shared/api';
import { DATASET_NAMES, type DatasetName } from '../../shared/config';
import { defaultDir, downloadBytes, isNamedSet, NAMED_SETS, type NamedSet } from './catalog';
import { CIFAR_FILES, findCifarDir } from './cifar';
import { IDX_LABELS_MAGIC, readIdxFile } from './idx';
import { findIdxFile, IDX_BASENAMES } from './named';
import { DEFAULT_SYNTHETIC_SAMPLES } from './synthetic';

const fmt = (n: number) => n.toLocaleString('en-US');

/** Example counts of a named set found in `dir`, or null when it is not (completely) there. */
function countOnDisk(name: NamedSet, dir: string): { train: number; test: number; dir: string } | null {
  const info = NAMED_SETS[name];
  if (info.format === 'idx') {
    const files = Object.values(IDX_BASENAMES).map((b) => findIdxFile(dir, b));
    if (files.some((f) => f === null)) return null;
    // Label files are tiny; their header gives the example count.
    const count = (f: string) => readIdxFile(f, IDX_LABELS_MAGIC).dims[0];
    return { train: count(files[1]!), test: count(files[3]!), dir };
  }
  const found = findCifarDir(dir, info.format);
  if (!found) return null;
  const f = CIFAR_FILES[info.format];
  const record = (info.format === 'cifar10' ? 1 : 2) + 3072;
  const n = (files: readonly string[]) => files.reduce((a, file) => a + Math.floor(statSync(join(found, file)).size / record), 0);
  return { train: n(f.train), test: n(f.test), dir: found };
}

function namedInfo(name: NamedSet): DatasetInfo {
  const info = NAMED_SETS[name];
  const dir = defaultDir(name);
  const mb = Math.round(downloadBytes(name) / 1e6);
  try {
    const c = countOnDisk(name, dir);
    if (c) {
      const from = info.apt && dir === info.apt.dir ? ` (Debian ${info.apt.pkg})` : '';
      return { name, path: c.dir, onDisk: true, note: `${info.title}: ${fmt(c.train)} train / ${fmt(c.test)} test on disk${from}` };
    }
  } catch (e) {
    return { name, path: dir, onDisk: false, note: `${info.title}: files in ${dir} are unreadable (${(e as Error).message})` };
  }
  const apt = info.apt ? ` (or apt-get install ${info.apt.pkg})` : '';
  return { name, path: dir, onDisk: false, note: `${info.title}: not on disk: will download ${mb} MB to ${dir} on first use${apt}` };
}

const OTHER_NOTES: Partial<Record<DatasetName, string>> = {
  csv: 'your own CSV: numeric feature columns and a label column; set data.path to the file',
  images: 'your own images: one sub-folder of PNGs per class; set data.path to the folder',
  'synthetic-moons': `two interleaving half-moons, 2 classes, generated on the fly (${fmt(DEFAULT_SYNTHETIC_SAMPLES)} points by default)`,
  'synthetic-spirals': `three interleaved spirals, 3 classes, generated on the fly (${fmt(DEFAULT_SYNTHETIC_SAMPLES)} points by default)`,
  'synthetic-blobs': `four Gaussian blobs, 4 classes, generated on the fly (${fmt(DEFAULT_SYNTHETIC_SAMPLES)} points by default)`,
};

export function listDatasets(): DatasetInfo[] {
  return DATASET_NAMES.map((name) => {
    if (isNamedSet(name)) return namedInfo(name);
    const synthetic = name.startsWith('synthetic-');
    return { name, path: null, onDisk: synthetic, note: OTHER_NOTES[name] ?? name };
  });
}
