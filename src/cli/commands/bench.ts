// sam-studio bench [--json] [--only step,store]: the same runner as `npm run bench`.
import { runBenches } from '../../../bench/index';

export async function run(argv: string[]): Promise<number> {
  return runBenches(argv);
}
