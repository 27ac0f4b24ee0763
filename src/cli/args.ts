// Tiny argument parser shared by the sub-commands: --flag, --key value, --key=value.
export interface ParsedArgs {
  flags: Set<string>;
  values: Map<string, string>;
  positional: string[];
}

export function parseArgs(argv: string[], valued: readonly string[]): ParsedArgs {
  const out: ParsedArgs = { flags: new Set(), values: new Map(), positional: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) {
      out.positional.push(a);
      continue;
    }
    const eq = a.indexOf('=');
    const key = a.slice(2, eq < 0 ? undefined : eq);
    if (eq >= 0) out.values.set(key, a.slice(eq + 1));
    else if (valued.includes(key)) {
      const v = argv[i + 1];
      if (v === undefined || v.startsWith('--')) throw new Error(`--${key} needs a value`);
      out.values.set(key, v);
      i++;
    } else out.flags.add(key);
  }
  return out;
}

export function requireValue(args: ParsedArgs, key: string, hint: string): string {
  const v = args.values.get(key);
  if (!v) throw new Error(`--${key} is required (${hint})`);
  return v;
}

export function intValue(args: ParsedArgs, key: string, fallback: number): number {
  const v = args.values.get(key);
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isInteger(n)) throw new Error(`--${key} must be a whole number, got "${v}"`);
  return n;
}
