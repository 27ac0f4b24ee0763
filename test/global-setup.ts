// Runs once before the suite: the e2e tests serve the renderer built for the browser door.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export default function setup(): void {
  if (!existsSync('/usr/share/datasets/fashion-mnist')) {
    console.warn('Fashion-MNIST is missing: apt-get install -y dataset-fashion-mnist (tests that train on it will fail)');
  }
  if (process.env.SAM_SKIP_WEB_BUILD !== '1') {
    execFileSync(process.execPath, ['node_modules/vite/bin/vite.js', 'build', '--config', 'vite.web.config.ts', '--logLevel', 'warn'], { stdio: 'inherit' });
  }
}
