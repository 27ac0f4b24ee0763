// Turns zod issues into field errors that name the field, and makes a misspelt key an error that
// suggests the setting the user meant ("optimizer.weightdecay is not a setting; did you mean
// optimizer.weightDecay?"). Every object schema that crosses a door is strict, so a typo is never
// silently dropped. Free of Node, Electron and Vue (the renderer's form uses it too).
import type { z } from 'zod';

export interface FieldError {
  /** Dotted path of the field, e.g. "sam.rho"; "" for the whole config. */
  field: string;
  message: string;
}

export function fieldPath(path: readonly PropertyKey[]): string {
  return path.map((p) => (typeof p === 'number' ? `[${p}]` : String(p))).join('.').replace(/\.\[/g, '[');
}

type Def = { type: string; [k: string]: unknown };
const defOf = (s: unknown): Def => (s as { _zod: { def: Def } })._zod.def;

/** The object shapes a schema can take at its top (through defaults, nullables, unions, pipes). */
function objectShapes(s: unknown): Record<string, unknown>[] {
  const def = defOf(s);
  switch (def.type) {
    case 'object':
      return [def.shape as Record<string, unknown>];
    case 'optional':
    case 'nullable':
    case 'default':
    case 'prefault':
    case 'readonly':
    case 'nonoptional':
    case 'catch':
      return objectShapes(def.innerType);
    case 'pipe':
      return objectShapes(def.in);
    case 'union':
      return (def.options as unknown[]).flatMap(objectShapes);
    default:
      return [];
  }
}

/** The schemas reached by one path step (an object key, an array or tuple index). */
function step(s: unknown, seg: PropertyKey): unknown[] {
  const def = defOf(s);
  if (['optional', 'nullable', 'default', 'prefault', 'readonly', 'nonoptional', 'catch'].includes(def.type)) return step(def.innerType, seg);
  if (def.type === 'pipe') return step(def.in, seg);
  if (def.type === 'union') return (def.options as unknown[]).flatMap((o) => step(o, seg));
  if (def.type === 'array' && typeof seg === 'number') return [def.element];
  if (def.type === 'tuple' && typeof seg === 'number') return [(def.items as unknown[])[seg]].filter(Boolean);
  if (def.type === 'object' && typeof seg === 'string') return [(def.shape as Record<string, unknown>)[seg]].filter(Boolean);
  return [];
}

/** Every key the schema accepts for the object at `path` (all union members' keys together). */
export function knownKeysAt(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
  let at: unknown[] = [schema];
  for (const seg of path) at = at.flatMap((s) => step(s, seg));
  return [...new Set(at.flatMap(objectShapes).flatMap((sh) => Object.keys(sh)))];
}

/** Edit distance with adjacent transpositions (optimal string alignment), case-insensitive. */
function distance(a: string, b: string): number {
  a = a.toLowerCase();
  b = b.toLowerCase();
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}

/** The known key a misspelt one most likely meant, or null when none is close. */
export function closestKey(key: string, known: readonly string[]): string | null {
  let best: string | null = null;
  let bestD = Infinity;
  for (const k of known) {
    const dd = distance(key, k);
    if (dd < bestD) [best, bestD] = [k, dd];
  }
  return best !== null && bestD <= Math.max(2, Math.floor(best.length / 3)) ? best : null;
}

/**
 * One field error per problem: unknown keys become "<field> is not a setting; did you mean …?"
 * (one error per key, at the key's own path); other messages get the field as a prefix when
 * they do not name it already. `dropPrefix` removes leading path segments (an API tuple index).
 */
export function issuesToFieldErrors(schema: z.ZodType, issues: readonly z.core.$ZodIssue[], dropPrefix = 0): FieldError[] {
  return issues.flatMap((i) => {
    if (i.code === 'unrecognized_keys') {
      const known = knownKeysAt(schema, i.path);
      return i.keys.map((key) => {
        const field = fieldPath([...i.path, key].slice(dropPrefix));
        const near = closestKey(key, known);
        const parent = fieldPath(i.path.slice(dropPrefix));
        const hint = near
          ? `; did you mean ${parent ? `${parent}.` : ''}${near}?`
          : `; known settings${parent ? ` of ${parent}` : ''}: ${known.join(', ')}`;
        return { field, message: `${field} is not a setting${hint}` };
      });
    }
    const field = fieldPath(i.path.slice(dropPrefix));
    const overflow = nonFiniteNumber(i);
    if (overflow === 'NaN') return [{ field, message: `${field || 'the value'} must be a number, got NaN` }];
    if (overflow) return [{ field, message: `${field || 'the value'} must be a finite number, got ${overflow}; a number beyond ±1.8e308 (such as 1e400) overflows to Infinity` }];
    // zod's own messages do not name the field; ours do. Prefix where it is missing.
    const message = field && !i.message.includes(field) ? `${field}: ${i.message}` : i.message;
    return [{ field, message }];
  });
}

/**
 * "Infinity", "-Infinity" or "NaN" when a number field got a non-finite number (JSON's 1e400 parses
 * to Infinity): zod reports it as "expected number", which reads as if the value were text.
 */
function nonFiniteNumber(i: z.core.$ZodIssue): string | null {
  if (i.code !== 'invalid_type' || i.expected !== 'number') return null;
  const received = (i as { received?: unknown }).received;
  return received === 'Infinity' || received === '-Infinity' || received === 'NaN' ? received : null;
}
