// View settings shared by the Run and Compare pages, kept across reloads in localStorage.
import { defineStore } from 'pinia';
import { computed, ref, watch } from 'vue';
import { DEFAULT_HP_COLUMNS } from '../lib/run-columns';

export type ThemeChoice = 'system' | 'light' | 'dark';
export type XAxis = 'step' | 'epoch' | 'time';

const KEY = 'sam-studio.settings';

interface Saved {
  theme: ThemeChoice;
  smoothing: number;
  logY: boolean;
  axis: XAxis;
  runColumns: string[];
  sortKey: string;
  sortDir: 'asc' | 'desc';
}

function load(): Partial<Saved> {
  try {
    return JSON.parse(localStorage.getItem(KEY) ?? '{}') as Partial<Saved>;
  } catch {
    return {};
  }
}

export const useSettingsStore = defineStore('settings', () => {
  const saved = load();
  const theme = ref<ThemeChoice>(saved.theme ?? 'system');
  /** β of the debiased EMA applied to step series; 0 = raw. */
  const smoothing = ref<number>(saved.smoothing ?? 0.6);
  const logY = ref<boolean>(saved.logY ?? false);
  const axis = ref<XAxis>(saved.axis ?? 'step');
  /** Hyper-parameter columns shown in the run list, and its sort. */
  const runColumns = ref<string[]>(saved.runColumns ?? [...DEFAULT_HP_COLUMNS]);
  const sortKey = ref<string>(saved.sortKey ?? 'createdAt');
  const sortDir = ref<'asc' | 'desc'>(saved.sortDir ?? 'desc');

  const media = window.matchMedia('(prefers-color-scheme: dark)');
  const systemDark = ref(media.matches);
  media.addEventListener('change', (e) => (systemDark.value = e.matches));

  const effectiveTheme = computed<'light' | 'dark'>(() =>
    theme.value === 'system' ? (systemDark.value ? 'dark' : 'light') : theme.value,
  );

  watch(
    effectiveTheme,
    (t) => {
      document.documentElement.dataset.theme = t;
    },
    { immediate: true },
  );
  watch([theme, smoothing, logY, axis, runColumns, sortKey, sortDir], () => {
    const s: Saved = { theme: theme.value, smoothing: smoothing.value, logY: logY.value, axis: axis.value, runColumns: runColumns.value, sortKey: sortKey.value, sortDir: sortDir.value };
    localStorage.setItem(KEY, JSON.stringify(s));
  }, { deep: true });

  function toggleTheme(): void {
    theme.value = effectiveTheme.value === 'dark' ? 'light' : 'dark';
  }

  return { theme, smoothing, logY, axis, runColumns, sortKey, sortDir, effectiveTheme, toggleTheme };
});
