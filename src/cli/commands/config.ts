// sam-studio config --example NAME > run.json | --list: the ready configs the app's presets use.
import { PRESET_NAMES, presetConfig } from '../../shared/presets';
import { closestKey } from '../../shared/unknown-keys';
import { UsageError, type CommandSpec, type ParsedOptions } from '../args';

export const spec: CommandSpec = {
  name: 'config',
  summary: 'print a ready run config (--example NAME), or list them (--list)',
  description: 'Prints the example run config as JSON on stdout, to edit and pass to `sam-studio train --config`.',
  options: {
    example: { type: 'string', value: 'NAME', help: 'the example to print' },
    list: { type: 'boolean', help: 'list the examples, one per line' },
  },
  exitCodes: '0 printed, 2 bad input (no or an unknown example)',
};

export async function run(opts: ParsedOptions): Promise<number> {
  if (opts.flag('list')) {
    console.log(PRESET_NAMES.join('\n'));
    return 0;
  }
  const name = opts.string('example');
  if (!name) throw new UsageError(`--example NAME or --list is required; the examples are ${PRESET_NAMES.join(', ')}`);
  if (!(PRESET_NAMES as string[]).includes(name)) {
    const near = closestKey(name, PRESET_NAMES);
    throw new UsageError(`unknown example "${name}"; ${near ? `did you mean ${near}? ` : ''}the examples are ${PRESET_NAMES.join(', ')}`);
  }
  console.log(JSON.stringify(presetConfig(name), null, 2));
  return 0;
}
