// The part of config validation the shared schema cannot do: does what the config points at
// exist on this machine, and is it what it claims to be? Used by the CLI, the services (before
// queueing, so a bad file never becomes a run) and the trainer. Cheap: headers and sizes only,
// never a whole data set (the loader checks the rest, bounded, in the trainer process).
import { statSync } from 'node:fs';
import type { FieldError, RunConfig } from '../shared/config';
import { isNamedSet, NAMED_SETS } from './data/catalog';
import { IDX_IMAGES_MAGIC, IDX_LABELS_MAGIC, checkIdxFile } from './data/idx';
import { findIdxFile, IDX_BASENAMES } from './data/named';
import { readLayersModelFile } from './models/layers-model-file';

function kindOf(path: string): 'file' | 'dir' | null {
  try {
    const s = statSync(path);
    return s.isDirectory() ? 'dir' : s.isFile() ? 'file' : null;
  } catch {
    return null;
  }
}

/** The IDX files present in a named set's folder, checked by header (missing ones may still download). */
function idxFolderErrors(dir: string): FieldError[] {
  for (const [key, base] of Object.entries(IDX_BASENAMES)) {
    const file = findIdxFile(dir, base);
    if (!file) continue;
    try {
      checkIdxFile(file, key.endsWith('Images') ? IDX_IMAGES_MAGIC : IDX_LABELS_MAGIC);
    } catch (e) {
      return [{ field: 'data.path', message: `data.path: ${(e as Error).message}` }];
    }
  }
  return [];
}

export function checkConfigPaths(config: RunConfig): FieldError[] {
  const errors: FieldError[] = [];
  const { data, model } = config;
  if (data.path) {
    const k = kindOf(data.path);
    const want = data.name === 'csv' ? 'file' : 'dir';
    if (k === null) errors.push({ field: 'data.path', message: `data.path: "${data.path}" does not exist; give the ${data.name === 'csv' ? 'CSV file' : 'data folder'}` });
    else if (k !== want) errors.push({ field: 'data.path', message: `data.path: "${data.path}" is a ${k === 'dir' ? 'folder' : 'file'}, expected a ${want === 'dir' ? 'folder' : 'file'} for data set "${data.name}"` });
    else if (isNamedSet(data.name) && NAMED_SETS[data.name].format === 'idx') errors.push(...idxFolderErrors(data.path));
  }
  if (model.kind === 'layers') {
    try {
      readLayersModelFile(model.path);
    } catch (e) {
      errors.push({ field: 'model.path', message: (e as Error).message });
    }
  }
  if (config.startFrom?.checkpoint && kindOf(config.startFrom.checkpoint) !== 'file') {
    errors.push({ field: 'startFrom.checkpoint', message: `startFrom.checkpoint: "${config.startFrom.checkpoint}" does not exist; fine-tune from an existing run's checkpoint (its source run may have been deleted)` });
  }
  return errors;
}
