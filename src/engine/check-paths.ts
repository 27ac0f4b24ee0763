// The part of config validation the shared schema cannot do: does what the config points at
// exist on this machine? Used by the CLI, the services (before queueing) and the trainer.
import { statSync } from 'node:fs';
import type { FieldError, RunConfig } from '../shared/config';

function kindOf(path: string): 'file' | 'dir' | null {
  try {
    const s = statSync(path);
    return s.isDirectory() ? 'dir' : s.isFile() ? 'file' : null;
  } catch {
    return null;
  }
}

export function checkConfigPaths(config: RunConfig): FieldError[] {
  const errors: FieldError[] = [];
  const { data, model } = config;
  if (data.path) {
    const k = kindOf(data.path);
    const want = data.name === 'csv' ? 'file' : 'dir';
    if (k === null) errors.push({ field: 'data.path', message: `data.path: "${data.path}" does not exist; give the ${data.name === 'csv' ? 'CSV file' : 'data folder'}` });
    else if (k !== want) errors.push({ field: 'data.path', message: `data.path: "${data.path}" is a ${k === 'dir' ? 'folder' : 'file'}, expected a ${want === 'dir' ? 'folder' : 'file'} for data set "${data.name}"` });
  }
  if (model.kind === 'layers') {
    const k = kindOf(model.path);
    if (k !== 'file') errors.push({ field: 'model.path', message: `model.path: "${model.path}" ${k === null ? 'does not exist' : 'is a folder'}; give the model.json of a TensorFlow.js Layers model` });
  }
  if (config.init?.checkpoint && kindOf(config.init.checkpoint) !== 'file') {
    errors.push({ field: 'init.checkpoint', message: `init.checkpoint: "${config.init.checkpoint}" does not exist; fine-tune from an existing run's checkpoint (its source run may have been deleted)` });
  }
  return errors;
}
