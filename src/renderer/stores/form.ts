// The New-run form: a draft validated live against the shared schema, the machine's data sets
// and backends, presets, and submission. Train stays disabled while `validation` has errors.
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import type { AppInfo, DatasetInfo, RunSummary } from '../../shared/api';
import { divisorsOf, validateRunConfig, type RunConfig } from '../../shared/config';
import { presetConfig, PRESETS, type PresetName } from '../../shared/presets';
import { api } from '../api';
import { errorText } from '../lib/errors';
import { configToDraft, draftToInput, fieldKey, type FormDraft } from '../lib/form-draft';

export const useFormStore = defineStore('form', () => {
  const draft = ref<FormDraft>(configToDraft(presetConfig('fashion-mnist-sgd')));
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

  function applyPreset(name: PresetName): void {
    draft.value = configToDraft(presetConfig(name));
    serverErrors.value = [];
  }

  function loadConfig(c: RunConfig): void {
    draft.value = configToDraft(c);
    serverErrors.value = [];
  }

  function clearServerErrors(): void {
    serverErrors.value = [];
    serverMessage.value = null;
  }

  async function submit(): Promise<RunSummary | null> {
    if (!validation.value.ok || submitting.value) return null;
    submitting.value = true;
    clearServerErrors();
    try {
      const cfg = validation.value.config;
      return await api.createRun(cfg, cfg.name ? { name: cfg.name } : {});
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
    loadMachine,
    applyPreset,
    loadConfig,
    clearServerErrors,
    submit,
  };
});
