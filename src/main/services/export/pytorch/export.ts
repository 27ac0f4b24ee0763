// `sam-studio export --to pytorch` and the Run page's export button: one run config in, a small
// PyTorch DDP project out (README.md of the template says what each file is). The Python is the
// template's, copied as it is; this module writes what is particular to the run: run.json (the
// config), export.json and data/ (the data plan), initial.ckpt (the engine's seeded initial
// weights) and the README's facts and commands.
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describeOptimizer, type RunConfig } from '../../../../shared/config';
import { autoRunName, dataLabel } from '../../../../shared/run-name';
import { NAMED_SETS, isNamedSet } from '../../../../engine/data/catalog';
import { exportData, type ExportedData } from './data-plan';
import { checkExportable, ExportError } from './exportable';
import { copyTemplate, writeReadme } from './template';
import { validWorldSizes } from './world-sizes';

export interface ExportOptions {
  /** The stored run this config belongs to (named in the README and export.json). */
  run?: { id: number; name: string } | null;
  /** SAM Studio's version, recorded in export.json. */
  appVersion: string;
  /** Write into a folder that already holds files (default: refuse, nothing is overwritten). */
  overwrite?: boolean;
}

export interface PytorchExport {
  dir: string;
  /** Files written, relative to dir. */
  files: string[];
  /** Numbers of processes this run can be spread over (up to 64). */
  worldSizes: number[];
  /** The README's one-machine commands, ready to copy. */
  commands: { single: string; torchrun: string; manual: string };
}

/** A folder for run `runId`'s export under `root` that does not exist yet: run-7-pytorch, run-7-pytorch-2, … */
export function freshExportDir(root: string, runId: number): string {
  const base = join(root, `run-${runId}-pytorch`);
  if (!existsSync(base)) return base;
  for (let k = 2; ; k++) if (!existsSync(`${base}-${k}`)) return `${base}-${k}`;
}

/** Write the PyTorch project of `config` into `outDir`. */
export async function exportPytorch(config: RunConfig, outDir: string, opts: ExportOptions): Promise<PytorchExport> {
  checkExportable(config);
  const dir = resolve(outDir);
  mkdirSync(dir, { recursive: true });
  const wasEmpty = readdirSync(dir).length === 0;
  if (!opts.overwrite && !wasEmpty) {
    throw new ExportError('out', `${dir} is not empty; give a new folder (nothing there is overwritten)`);
  }
  try {
    return await writeProject(config, dir, opts);
  } catch (e) {
    // No half-written project: a folder that was empty is left empty.
    if (wasEmpty) for (const f of readdirSync(dir)) rmSync(join(dir, f), { recursive: true, force: true });
    throw e;
  }
}

async function writeProject(config: RunConfig, dir: string, opts: ExportOptions): Promise<PytorchExport> {
  const files = copyTemplate(dir);
  writeFileSync(join(dir, 'run.json'), `${JSON.stringify(config, null, 2)}\n`);
  const data = await exportData(config, dir);
  const exportedAt = new Date().toISOString();
  const manifest = { format: 1, app: { name: 'SAM Studio', version: opts.appVersion }, run: opts.run ?? null, exportedAt, data };
  writeFileSync(join(dir, 'export.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  await writeInitialWeights(config, data, join(dir, 'initial.ckpt'));
  const worldSizes = validWorldSizes(config);
  const nproc = worldSizes.includes(2) ? 2 : (worldSizes.find((n) => n > 1) ?? 1);
  const commands = {
    single: 'python3 train.py > events.jsonl',
    torchrun: `torchrun --standalone --nproc_per_node=${nproc} train.py > events.jsonl`,
    manual: manualCommands(nproc),
  };
  writeReadme(dir, readmeValues(config, data, opts, { exportedAt, worldSizes, nproc }));
  const dataFiles = readdirSync(join(dir, 'data')).map((f) => `data/${f}`);
  return { dir, files: [...files, 'README.md', 'run.json', 'export.json', 'initial.ckpt', ...dataFiles].sort(), worldSizes, commands };
}

/**
 * The weights the app's run starts from, in the app's checkpoint format: the engine's seeded
 * initialisation, or for a fine-tuning run (config.startFrom) the source checkpoint's weights with a
 * fresh head, built by the engine's own buildStartModel.
 */
async function writeInitialWeights(config: RunConfig, data: ExportedData, path: string): Promise<void> {
  const { initBackend } = await import('../../../../engine/backend');
  const { buildStartModel } = await import('../../../../engine/start-weights');
  const { saveCheckpoint } = await import('../../../../engine/checkpoint');
  await initBackend('cpu');
  let model;
  try {
    model = await buildStartModel(config, data, { applyInit: true });
  } catch (e) {
    // A source checkpoint that does not fit the model is the config's fault: the engine's message names the field.
    const field = /^startFrom\.(checkpoint|head)/.exec((e as Error).message)?.[0];
    if (config.startFrom && field) throw new ExportError(field, (e as Error).message);
    throw e;
  }
  try {
    const writer = config.startFrom?.checkpoint ? `sam-studio export (initial weights: ${config.startFrom.checkpoint}, head ${config.startFrom.head})` : 'sam-studio export (initial weights)';
    const meta = { epoch: 0, stepInEpoch: 0, step: 0, seed: config.seed, extra: { writer } };
    await saveCheckpoint(path, meta, { params: model.params, state: model.state, optimizer: {} });
  } finally {
    model.dispose();
  }
}

/** The README's "without torchrun" block for n processes on this machine. */
export function manualCommands(n: number): string {
  const lines = [`export MASTER_ADDR=127.0.0.1 MASTER_PORT=29500 WORLD_SIZE=${n}`];
  for (let r = n - 1; r >= 1; r--) lines.push(`RANK=${r} LOCAL_RANK=${r} python3 train.py > /dev/null &`);
  lines.push('RANK=0 LOCAL_RANK=0 python3 train.py > events.jsonl', 'wait');
  return lines.join('\n');
}

function readmeValues(
  config: RunConfig,
  data: ExportedData,
  opts: ExportOptions,
  o: { exportedAt: string; worldSizes: number[]; nproc: number },
): Record<string, string> {
  const gpus = [8, 4, 2, 1].find((g) => o.worldSizes.includes(2 * g));
  const title = isNamedSet(config.data.name) ? NAMED_SETS[config.data.name].title : dataLabel(config);
  const dataNote =
    data.source.kind === 'arrays'
      ? `The data (${title}) travels with this folder, in \`data/\`, as the app decoded it.`
      : `The data is ${title}, read from \`${data.source.dir}\` as on the workstation. On another machine pass ` +
        '`--data-dir DIR` with the folder that holds its files; the script checks that they are the same data ' +
        '(the number of examples and a checksum of the training labels).';
  const m = config.sam?.m;
  const epochs = `${config.epochs} epoch${config.epochs === 1 ? '' : 's'}`;
  return {
    RUN_NAME: opts.run?.name ?? config.name ?? autoRunName(config),
    SUMMARY: `${autoRunName(config)}: ${describeOptimizer(config)}, batch ${config.batchSize}, ${epochs}, seed ${config.seed}.`,
    APP_VERSION: opts.appVersion,
    RUN_REF: opts.run ? ` (run ${opts.run.id})` : '',
    EXPORTED_AT: o.exportedAt.slice(0, 16).replace('T', ' ') + ' UTC',
    DATA_NOTE: dataNote,
    NPROC: String(o.nproc),
    NODES: gpus ? '2' : '1',
    GPUS: String(gpus ?? o.nproc),
    RDZV_ID: `sam-studio-run-${opts.run?.id ?? 'export'}`,
    MANUAL: manualCommands(o.nproc),
    BATCH: String(config.batchSize),
    WORLD_SIZES: listSizes(o.worldSizes),
    M_NOTE: m ? ` (sam.m = ${m}: a chunk of ${m} examples is one process's share, a part of it, or several whole shares)` : '',
  };
}

function listSizes(sizes: number[]): string {
  if (sizes.length <= 1) return String(sizes[0] ?? 1);
  return `${sizes.slice(0, -1).join(', ')} or ${sizes[sizes.length - 1]}`;
}
