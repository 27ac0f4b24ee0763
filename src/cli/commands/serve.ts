// sam-studio serve [--port N] [--db FILE] [--concurrency N] [--static DIR]: the browser door on
// 127.0.0.1 only. Prints the URL with its token; Ctrl-C or SIGTERM stops trainers with a
// checkpoint (resumable), closes the port and exits.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { type CommandSpec, type ParsedOptions, DB_OPTION, CONCURRENCY_OPTION } from '../args';
import { dbPath, webDir } from '../paths';
import { openServices } from '../services';

export const spec: CommandSpec = {
  name: 'serve',
  summary: 'the app in your browser, on 127.0.0.1 (--port N)',
  description: [
    'Serves the same UI and API as the desktop app on 127.0.0.1 only, and prints a URL with a random',
    'token (requests without it get 401). Ctrl-C or SIGTERM stops running trainers with a checkpoint',
    '(`sam-studio resume` or the app continues them), frees the port and exits.',
  ].join('\n'),
  options: {
    port: { type: 'string', value: 'N', help: 'port (default 0: any free port)' },
    db: DB_OPTION,
    concurrency: CONCURRENCY_OPTION,
    static: { type: 'string', value: 'DIR', help: 'the built UI to serve (default out/web: npm run build:web)' },
  },
  exitCodes: '0 stopped (Ctrl-C or SIGTERM), 1 the server failed, 2 bad input',
};

export async function run(opts: ParsedOptions): Promise<number> {
  const port = opts.int('port', 0, 0, 65535);
  const concurrency = opts.int('concurrency', 1, 1);
  const db = dbPath(opts.string('db'));
  const staticDir = resolve(opts.string('static') ?? webDir());
  const { startServer } = await import('../../server/index');
  const services = openServices(db.path, { concurrency, transport: 'websocket', adoptQueued: true });
  let server;
  try {
    server = await startServer({ services, port, staticDir });
  } catch (e) {
    await services.close();
    throw e;
  }
  console.log(`SAM Studio is serving ${db.path}`);
  if (!existsSync(join(staticDir, 'index.html'))) console.error(`note: ${staticDir} holds no built UI; run \`npm run build:web\` (the API works without it)`);
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
