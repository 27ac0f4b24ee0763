import { PRESET_NAMES, presetConfig } from '../../shared/presets';
import { parseArgs } from '../args';

export async function run(argv: string[]): Promise<number> {
  const args = parseArgs(argv, ['example']);
  const name = args.values.get('example');
  if (!name || args.flags.has('list')) {
    console.log(`examples: ${PRESET_NAMES.join(', ')}\nusage: sam-studio config --example NAME > run.json`);
    return name ? 0 : 2;
  }
  console.log(JSON.stringify(presetConfig(name), null, 2));
  return 0;
}
