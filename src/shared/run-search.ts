// The run list's search language, shared by the app's search box and the services' listRuns
// (and so the CLI): plain words match anywhere (name, optimizer, data, model, tags, notes,
// "#12"); `field OP value` compares one field, e.g. `rho=0.05`, `ρ>0.02`, `lr<=0.01`,
// `model=cnn`, `acc>0.8` (or `acc>80`, read as %), `sam=no`, `tag:baseline`.
// Operators: = != > >= < <= and `:` (contains). Terms are ANDed. The grammar is a flat list of
// terms, so a tokenizer regex is all it needs.
import type { RunConfig } from './config';
import { autoRunName, methodLabel, modelLabel } from './run-name';

export interface SearchableRun {
  id: number;
  name: string;
  status: string;
  config: RunConfig;
  backend: string | null;
  tags: string[];
  notes: string;
  archived?: boolean;
  finalMetrics: Partial<Record<string, number | undefined>> | null;
}

type Value = number | string | boolean | null;

interface Field {
  names: string[];
  get: (r: SearchableRun) => Value;
  /** Shown in the help and in the error for an unknown field. */
  help: string;
}

const FIELDS: Field[] = [
  // Plain SGD is SAM with ρ = 0 (the schema says so), so `rho=0` finds the baselines.
  { names: ['rho', 'ρ'], get: (r) => r.config.sam?.rho ?? 0, help: 'SAM radius (0 without SAM)' },
  { names: ['m'], get: (r) => (r.config.sam ? (r.config.sam.m ?? 'whole') : null), help: 'm-sharpness chunk ("whole" = the batch)' },
  { names: ['p'], get: (r) => (r.config.sam ? String(r.config.sam.p) : null), help: 'SAM norm: 2 or inf' },
  { names: ['sam'], get: (r) => r.config.sam !== null && r.config.sam.rho > 0, help: 'yes / no' },
  { names: ['asam', 'adaptive'], get: (r) => r.config.sam?.adaptive ?? false, help: 'yes / no' },
  { names: ['lr'], get: (r) => r.config.optimizer.lr, help: 'learning rate' },
  { names: ['opt', 'optimizer'], get: (r) => r.config.optimizer.kind, help: 'sgd, adam, adamw' },
  { names: ['wd', 'weightdecay'], get: (r) => r.config.optimizer.weightDecay, help: 'weight decay' },
  { names: ['momentum'], get: (r) => r.config.optimizer.momentum, help: 'SGD momentum' },
  { names: ['seed'], get: (r) => r.config.seed, help: 'seed' },
  { names: ['epochs'], get: (r) => r.config.epochs, help: 'epochs' },
  { names: ['batch', 'bs', 'batchsize'], get: (r) => r.config.batchSize, help: 'batch size' },
  { names: ['model'], get: (r) => `${r.config.model.kind} ${modelLabel(r.config.model)}`, help: 'mlp, cnn, resnet20, …' },
  { names: ['data', 'dataset'], get: (r) => r.config.data.name, help: 'data set name' },
  { names: ['limit'], get: (r) => r.config.data.limit, help: 'training examples used' },
  { names: ['noise', 'labelnoise'], get: (r) => r.config.data.labelNoise, help: 'label-noise fraction' },
  { names: ['status'], get: (r) => r.status, help: 'queued, running, done, …' },
  { names: ['backend'], get: (r) => r.backend, help: 'wasm, webgpu, …' },
  { names: ['tag', 'tags'], get: (r) => r.tags.join(' '), help: 'a tag' },
  { names: ['name'], get: (r) => r.name, help: 'run name' },
  { names: ['id'], get: (r) => r.id, help: 'run id' },
  { names: ['archived'], get: (r) => r.archived ?? false, help: 'yes / no' },
  { names: ['acc', 'accuracy', 'testaccuracy'], get: (r) => metric(r, 'testAccuracy'), help: 'final test accuracy (0.8 or 80)' },
  { names: ['loss', 'testloss'], get: (r) => metric(r, 'testLoss'), help: 'final test loss' },
  { names: ['lambda', 'λ', 'lambdamax', 'λ_max'], get: (r) => metric(r, 'lambdaMax'), help: 'final λ_max' },
];

function metric(r: SearchableRun, name: string): number | null {
  const v = r.finalMetrics?.[name];
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

const OPERATORS = ['>=', '<=', '!=', '=', ':', '>', '<'] as const;
type Operator = (typeof OPERATORS)[number];

export type SearchTerm = { kind: 'word'; text: string } | { kind: 'compare'; field: Field; fieldName: string; op: Operator; value: string };

export interface ParsedSearch {
  terms: SearchTerm[];
  /** One message per term that could not be read (an unknown field, a missing value). */
  errors: string[];
}

/** Field names for the help text: "rho|ρ (SAM radius …)". */
export const SEARCH_FIELDS_HELP = FIELDS.map((f) => `${f.names[0]} (${f.help})`).join(', ');

// A term: "quoted words", or field OP value (value may be quoted), or a plain word.
const TOKEN = /"([^"]*)"|([^\s"=<>!:]+)\s*(>=|<=|!=|=|:|>|<)\s*(?:"([^"]*)"|([^\s"]*))|(\S+)/g;

export function parseRunSearch(text: string): ParsedSearch {
  const terms: SearchTerm[] = [];
  const errors: string[] = [];
  for (const m of text.matchAll(TOKEN)) {
    const [, quoted, key, op, qValue, value, word] = m;
    if (quoted !== undefined) {
      if (quoted.trim()) terms.push({ kind: 'word', text: quoted.toLowerCase() });
      continue;
    }
    if (word !== undefined) {
      terms.push({ kind: 'word', text: word.toLowerCase() });
      continue;
    }
    const fieldName = key.toLowerCase();
    const field = FIELDS.find((f) => f.names.includes(fieldName));
    const v = (qValue ?? value ?? '').trim();
    if (!field) {
      errors.push(`unknown search field "${key}"; use one of: ${FIELDS.map((f) => f.names[0]).join(', ')}`);
      continue;
    }
    if (!v) {
      errors.push(`"${key}${op}" needs a value, e.g. ${key}${op}0.05`);
      continue;
    }
    terms.push({ kind: 'compare', field, fieldName, op: op as Operator, value: v });
  }
  return { terms, errors };
}

const TRUE = new Set(['yes', 'true', 'on', '1']);
const FALSE = new Set(['no', 'false', 'off', '0']);

function compare(actual: Value, op: Operator, raw: string, fieldName: string): boolean {
  if (actual === null) return op === '!=' ;
  if (typeof actual === 'boolean') {
    const want = TRUE.has(raw.toLowerCase()) ? true : FALSE.has(raw.toLowerCase()) ? false : null;
    if (want === null) return false;
    return op === '!=' ? actual !== want : op === '=' || op === ':' ? actual === want : false;
  }
  if (typeof actual === 'number') {
    let want = Number(raw);
    if (!Number.isFinite(want)) return op === '!=';
    // Accuracy typed as a percentage: acc>80 means 0.8.
    if (['acc', 'accuracy', 'testaccuracy'].includes(fieldName) && want > 1) want /= 100;
    const eq = Math.abs(actual - want) <= 1e-9 * Math.max(1, Math.abs(want));
    switch (op) {
      case '=':
      case ':':
        return eq;
      case '!=':
        return !eq;
      case '>':
        return actual > want && !eq;
      case '>=':
        return actual > want || eq;
      case '<':
        return actual < want && !eq;
      case '<=':
        return actual < want || eq;
    }
  }
  const a = String(actual).toLowerCase();
  const w = raw.toLowerCase();
  if (op === ':') return a.includes(w);
  if (op === '=') return a === w || a.split(/\s+/).includes(w);
  if (op === '!=') return !(a === w || a.split(/\s+/).includes(w));
  return op === '>' ? a > w : op === '>=' ? a >= w : op === '<' ? a < w : a <= w;
}

/** Text a plain word is looked for in. */
function haystack(r: SearchableRun): string {
  const c = r.config;
  return [r.name, autoRunName(c), methodLabel(c), c.optimizer.kind, c.data.name, c.model.kind, r.backend ?? '', r.status, r.tags.join(' '), r.notes, `#${r.id}`]
    .join(' ')
    .toLowerCase();
}

export function matchesSearch(r: SearchableRun, parsed: ParsedSearch): boolean {
  let hay: string | null = null;
  for (const t of parsed.terms) {
    if (t.kind === 'word') {
      hay ??= haystack(r);
      if (!hay.includes(t.text)) return false;
    } else if (!compare(t.field.get(r), t.op, t.value, t.fieldName)) return false;
  }
  return true;
}

/** Filter runs by a search text; throws with every unreadable term named. */
export function filterRuns<R extends SearchableRun>(runs: readonly R[], text: string): R[] {
  const parsed = parseRunSearch(text);
  if (parsed.errors.length) throw new SearchError(parsed.errors);
  return runs.filter((r) => matchesSearch(r, parsed));
}

export class SearchError extends Error {
  constructor(readonly errors: string[]) {
    super(`search: ${errors.join('; ')}`);
    this.name = 'SearchError';
  }
}
