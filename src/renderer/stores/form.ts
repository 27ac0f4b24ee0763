// The New-run form: a draft validated live against the shared schema, the machine's data sets
// and backends, presets, and submission. Train stays disabled while `validation` has errors.
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import type { AppInfo, DatasetInfo, RunSummary } from '../../shared/api';
import { divisorsOf, validateRunConfig, type RunConfig } from '../../shared/config';
import { presetConfig, PRESETS, type PresetName } from '../../shared/presets';
import { autoRunName, dataLabel, modelLabel } from '../../shared/run-name';
import { api } from '../api';
import { errorText } from '../lib/errors';
import { parseNumberList } from '../lib/format';
import { configToDraft, draftToInput, fieldKey, type FormDraft } from '../lib/form-draft';

/** The form opens on a SAM run; its SGD baseline is one tick away. */
export const DEFAULT_PRESET: PresetName = 'fashion-mnist-sam';

/** Starting learning rate per base optimizer: Adam's usual 1e-3, not SGD's 0.05. */
export const DEFAULT_LR: Record<FormDraft['optimizer']['kind'], number> = { sgd: 0.05, adam: 0.001, adamw: 0.001 };

export const useFormStore = defineStore('form', () => {
  const draft = ref<FormDraft>(configToDraft(presetConfig(DEFAULT_PRESET)));
  /** The lr a preset (or the last optimizer switch) put in the form; while it is untouched, a new
   * base optimizer brings its own default (a CNN preset's SGD lr of 0.03 would make Adam diverge). */
  const suggestedLr = ref<number | null>(Number(draft.value.optimizer.lr));
  /** Seeds to train ("0, 1" = two runs of each config) and whether to add the no-SAM baseline. */
  const seedsText = ref('0');
  const withBaseline = ref(false);
  /** Said once after a preset is chosen, e.g. that the limits typed were kept. */
  const presetNote = ref<string | null>(null);
  const datasets = ref<DatasetInfo[]>([]);
  const info = ref<AppInfo | null>(null);
  const submitting = ref(false);
  /** Errors the services returned (e.g. a field the schema accepts but the machine cannot serve). */
  const serverErrors = ref<{ field: string; message: string }[]>([]);
  const serverMessage = ref<string | null>(null);

  const validation = computed(() => validateRunConfig(draftToInput(draft.value)));
  const valid = computed(() => validation.value.ok);

  /** Field key → messages, from the schema and from the last server reply. */
  const errors = computed(() => {
    const map: Record<string, string[]> = {};
    const add = (field: string, message: string) => (map[fieldKey(field)] ??= []).push(message);
    if (!validation.value.ok) for (const e of validation.value.errors) add(e.field, e.message);
    for (const e of serverErrors.value) add(e.field, e.message);
    return map;
  });

  const batchDivisors = computed(() => {
    const b = Number(draft.value.batchSize);
    return Number.isInteger(b) && b > 0 && b <= 65536 ? divisorsOf(b) : [];
  });

  const datasetNote = computed(() => datasets.value.find((d) => d.name === draft.value.data.name) ?? null);

  async function loadMachine(): Promise<void> {
    try {
      const [ds, inf] = await Promise.all([api.datasets(), api.info()]);
      datasets.value = ds;
      info.value = inf;
    } catch (err) {
      serverMessage.value = errorText(err);
    }
  }

  /** A preset replaces the config, but never silently drops the data limits the user typed. */
  function applyPreset(name: PresetName): void {
    const kept = { limit: draft.value.data.limit, testLimit: draft.value.data.testLimit };
    draft.value = configToDraft(presetConfig(name));
    suggestedLr.value = Number(draft.value.optimizer.lr);
    const keptParts: string[] = [];
    if (kept.limit !== '') (draft.value.data.limit = kept.limit), keptParts.push(`${kept.limit} training examples`);
    if (kept.testLimit !== '') (draft.value.data.testLimit = kept.testLimit), keptParts.push(`${kept.testLimit} test examples`);
    presetNote.value = keptParts.length ? `Preset ${name} applied; kept your limits: ${keptParts.join(', ')}.` : `Preset ${name} applied.`;
    serverErrors.value = [];
  }

  function loadConfig(c: RunConfig): void {
    draft.value = configToDraft(c);
    suggestedLr.value = null;
    presetNote.value = null;
    serverErrors.value = [];
  }

  /** Switch the base optimizer; an lr nobody typed (the old optimizer's default, or the preset's)
   * moves to the new one's default; a typed lr stays. */
  function setOptimizerKind(kind: FormDraft['optimizer']['kind']): void {
    const o = draft.value.optimizer;
    const untouched = o.lr === '' || Number(o.lr) === DEFAULT_LR[o.kind] || Number(o.lr) === suggestedLr.value;
    if (untouched) {
      o.lr = DEFAULT_LR[kind];
      suggestedLr.value = DEFAULT_LR[kind];
    }
    o.kind = kind;
  }

  const seeds = computed(() => parseNumberList(seedsText.value));
  const seedsError = computed(() =>
    !seeds.value.length ? 'give at least one seed' : seeds.value.some((x) => !Number.isInteger(x) || x < 0) ? 'seeds are whole numbers ≥ 0, e.g. 0, 1, 2' : null,
  );
  /** How many runs Train creates: seeds × (1, or 2 with the baseline). */
  const runCount = computed(() => (seedsError.value ? 0 : new Set(seeds.value).size * (draft.value.samOn && withBaseline.value ? 2 : 1)));
  /** The automatic name of what the form would train now. */
  const autoName = computed(() => (validation.value.ok ? autoRunName(validation.value.config) : ''));

  function clearServerErrors(): void {
    serverErrors.value = [];
    serverMessage.value = null;
  }

  /** Train: one run, or (several seeds, or SAM with its baseline) a small sweep of them. */
  async function submit(): Promise<RunSummary[] | null> {
    if (!validation.value.ok || submitting.value || seedsError.value) return null;
    submitting.value = true;
    clearServerErrors();
    try {
      const cfg = validation.value.config;
      const seedList = [...new Set(seeds.value)];
      const baseline = cfg.sam !== null && withBaseline.value;
      if (seedList.length === 1 && !baseline) return [await api.createRun({ ...cfg, seed: seedList[0] }, cfg.name ? { name: cfg.name } : {})];
      if (!cfg.sam) {
        // No SAM: plain seeds of one config, each its own (automatically named) run.
        const runs: RunSummary[] = [];
        for (const seed of seedList) runs.push(await api.createRun({ ...cfg, seed }, cfg.name ? { name: `${cfg.name} · seed ${seed}` } : {}));
        return runs;
      }
      // SAM over seeds, with its baseline: a sweep of one grid point, queued in one transaction.
      const name = cfg.name ?? `${dataLabel(cfg)} ${modelLabel(cfg.model)}`;
      return (await api.createSweep({ name, base: cfg, rho: [cfg.sam.rho], m: [cfg.sam.m], p: [cfg.sam.p], seeds: seedList, baseline })).runs;
    } catch (err) {
      const issues = (err as { issues?: { field: string; message: string }[] }).issues;
      if (issues?.length) serverErrors.value = issues;
      serverMessage.value = errorText(err);
      return null;
    } finally {
      submitting.value = false;
    }
  }

  const presetNames = Object.keys(PRESETS) as PresetName[];

  return {
    draft,
    datasets,
    info,
    submitting,
    serverErrors,
    serverMessage,
    validation,
    valid,
    errors,
    batchDivisors,
    datasetNote,
    presetNames,
    seedsText,
    seeds,
    seedsError,
    withBaseline,
    runCount,
    autoName,
    presetNote,
    loadMachine,
    applyPreset,
    loadConfig,
    setOptimizerKind,
    clearServerErrors,
    submit,
  };
});
