// What a form input holds while the user types, and how it turns into what the schema validates.

/** A number input's value: a number while it parses, the raw text ('' when empty) otherwise. */
export type NumIn = number | string;

/** '' → undefined (let the schema's default or "must be a number" apply); text → Number. */
export function num(v: NumIn): number | undefined {
  if (v === '' || v === null || v === undefined) return undefined;
  return typeof v === 'number' ? v : Number(v);
}

/** For nullable fields: empty means null ("all", "whole batch", "only at the end"). */
export function numOrNull(v: NumIn): number | null {
  const n = num(v);
  return n === undefined ? null : n;
}

/** null/undefined → '' (an empty input). */
export const blank = (v: number | null | undefined): NumIn => (v === null || v === undefined ? '' : v);
