// sam-studio serve [--port N] [--db FILE] [--concurrency N] [--static DIR]: the browser door on
// 127.0.0.1 only. Prints the URL with its token; Ctrl-C stops trainers (resumable) and exits.
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createStudioServices } from '../../main/services/index';
import { NodeTrainerLauncher } from '../../main/services/node-trainer-launcher';
import { defaultDbPath } from '../../main/services/paths';
import { startServer } from '../../server/index';
import { intValue, parseArgs } from '../args';

const USAGE = 'usage: sam-studio serve [--port N] [--db FILE] [--concurrency N] [--static DIR]';

/** The browser build of the renderer beside this checkout: <repo>/out/web. */
function defaultStaticDir(): string {
  return fileURLToPath(new URL('../../../out/web', import.meta.url));
}

export async function run(argv: string[]): Promise<number> {
  const args = parseArgs(argv, ['port', 'db', 'concurrency', 'static']);
  if (args.flags.has('help')) {
    console.log(USAGE);
    return 0;
  }
  const port = intValue(args, 'port', 0);
  if (port < 0 || port > 65535) throw new Error(`--port must be 0–65535 (0 = any free port), got ${port}`);
  const concurrency = intValue(args, 'concurrency', 1);
  if (concurrency < 1) throw new Error(`--concurrency must be ≥ 1, got ${concurrency}`);
  const db = resolve(args.values.get('db') ?? defaultDbPath());
  const services = createStudioServices({ dbPath: db, workDir: dirname(db), launcher: new NodeTrainerLauncher(), concurrency, transport: 'websocket' });
  const server = await startServer({ services, port, staticDir: args.values.get('static') ?? defaultStaticDir() });
  console.log(`SAM Studio is serving ${db}`);
  console.log(`open ${server.url}`);

  await new Promise<void>((done) => {
    const shutdown = () => {
      process.off('SIGINT', shutdown);
      process.off('SIGTERM', shutdown);
      console.log('shutting down: stopping trainers (they can be resumed)…');
      server
        .close()
        .then(() => services.close())
        .finally(done);
    };
    process.on('SIGINT', shutdown);
    process.on('SIGTERM', shutdown);
  });
  return 0;
}
