// Runs once before the suite: the CLI tests run the built command (bin/sam-studio.js → out/cli),
// rebuilt here so it matches the source; the e2e tests serve the renderer built for the browser door.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export default function setup(): void {
  if (!existsSync('/usr/share/datasets/fashion-mnist')) {
    console.warn('Fashion-MNIST is missing: apt-get install -y dataset-fashion-mnist (tests that train on it will fail)');
  }
  execFileSync(process.execPath, ['node_modules/vite/bin/vite.js', 'build', '--config', 'vite.cli.config.ts', '--logLevel', 'warn'], { stdio: 'inherit' });
  if (process.env.SAM_SKIP_WEB_BUILD !== '1') {
    execFileSync(process.execPath, ['node_modules/vite/bin/vite.js', 'build', '--config', 'vite.web.config.ts', '--logLevel', 'warn'], { stdio: 'inherit' });
  }
}
