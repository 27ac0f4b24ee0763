// No run-config field is dropped by the PyTorch export unnoticed: the schema is walked field by
// field (through every model kind and SAM variant), and each field must be one the export
// reproduces, refuses by name, or leaves to the app (exportable.ts EXPORT_FIELDS). A field added
// to the schema fails here until someone decides which. Every refusal is checked as a user
// meets it: an ExportError naming the field and what to do, and no half-written folder.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { knownKeysAt } from '../../src/shared/unknown-keys';
import { parseRunConfig, runConfigSchema, type RunConfigInput } from '../../src/shared/config';
import { EXPORT_FIELDS, ExportError, exportPytorch, REFUSALS } from '../../src/main/services/export/pytorch/index';
import { makeTempDir, removeTempDir } from './helpers/tmp';

/** Every leaf field of the run config, as dotted paths ("sam.variant.alpha"), all union members' together. */
function schemaFields(path: string[] = []): string[] {
  return knownKeysAt(runConfigSchema, path).flatMap((key) => {
    const below = schemaFields([...path, key]);
    return below.length ? below : [[...path, key].join('.')];
  });
}

/** The entry of EXPORT_FIELDS that covers `field`: itself or the block it is in ("hessian" covers "hessian.topK"). */
function coverOf(field: string): string | undefined {
  return Object.keys(EXPORT_FIELDS).find((k) => k === field || field.startsWith(`${k}.`));
}

const base: RunConfigInput = { epochs: 1, batchSize: 8, data: { name: 'synthetic-moons', samples: 40 }, model: { kind: 'mlp', hidden: [2] }, optimizer: { kind: 'sgd', lr: 0.1 } };

/** For each refused field, a run that uses it and the field its refusal names. */
const REFUSED_EXAMPLES: Record<string, { input: RunConfigInput; names: string }> = {
  'model.kind': { input: { ...base, model: { kind: 'layers', path: '/tmp/model.json' } }, names: 'model.kind' },
  'model.path': { input: { ...base, model: { kind: 'layers', path: '/tmp/model.json' } }, names: 'model.kind' },
  'model.batchNorm': { input: { ...base, model: { kind: 'layers', path: '/tmp/model.json', batchNorm: 'frozen' } }, names: 'model.kind' },
  mSharpness: { input: { ...base, mSharpness: { m: [4], samples: 8 } }, names: 'mSharpness' },
};

let dir: string;
beforeAll(() => {
  dir = makeTempDir('sam-export-fields-');
});
afterAll(() => removeTempDir(dir));

describe('every run-config field has a decided fate in the PyTorch export', () => {
  it('the schema’s fields and EXPORT_FIELDS match one to one', () => {
    const fields = schemaFields();
    // The walk reaches the fields of the latest blocks (a sanity check of the walk itself).
    expect(fields).toEqual(expect.arrayContaining(['data.classes', 'startFrom.checkpoint', 'startFrom.head', 'model.batchNorm', 'sam.variant.rhoMin', 'mSharpness.ascentSteps']));
    expect(fields.filter((f) => !coverOf(f)), 'fields the export says nothing about: add them to EXPORT_FIELDS in exportable.ts').toEqual([]);
    const stale = Object.keys(EXPORT_FIELDS).filter((k) => !fields.some((f) => f === k || f.startsWith(`${k}.`)));
    expect(stale, 'EXPORT_FIELDS entries that are no field of the schema').toEqual([]);
  });

  it('each refusal is a refused field, and each refused field has a refusal', () => {
    for (const r of REFUSALS) expect(EXPORT_FIELDS[r.field], r.field).toBeDefined();
    const refused = Object.entries(EXPORT_FIELDS).filter(([, v]) => v.how === 'refused').map(([k]) => k);
    expect(Object.keys(REFUSED_EXAMPLES).sort()).toEqual([...new Set([...refused, ...REFUSALS.map((r) => r.field)])].sort());
  });

  it.each(Object.entries(REFUSED_EXAMPLES).map(([field, { input, names }]) => [field, names, input] as const))('%s: refused with an error naming %s, nothing written', async (field, names, input) => {
    const out = join(dir, field);
    const err = await exportPytorch(parseRunConfig(structuredClone(input)), out, { appVersion: 'test' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ExportError);
    expect((err as ExportError).field).toBe(names);
    expect((err as Error).message).toContain(names);
    expect(existsSync(out) ? readdirSync(out) : []).toEqual([]);
  });

  it('a fine-tuning run whose source checkpoint is gone is refused naming startFrom.checkpoint', async () => {
    const out = join(dir, 'gone');
    const config = parseRunConfig({ ...base, startFrom: { checkpoint: join(dir, 'no-such.ckpt'), sourceRunId: 3 } });
    const err = await exportPytorch(config, out, { appVersion: 'test' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ExportError);
    expect((err as ExportError).field).toBe('startFrom.checkpoint');
    expect((err as Error).message).toMatch(/startFrom\.checkpoint: ".*no-such\.ckpt" does not exist/);
    expect(existsSync(out) ? readdirSync(out) : []).toEqual([]);
  });
});
