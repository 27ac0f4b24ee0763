// Entry of one trainer process: receives a `start` message, runs the engine's train() and
// streams every event back. Works as an Electron utility process (process.parentPort) and as a
// plain child_process.fork child (process.send). Exits when the run ends, when the parent asks
// it to stop (via the engine's AbortSignal), or when the parent goes away.
import { THREADS_ENV } from '../engine/backends/wasm-threads';
import { runConfigSchema } from '../shared/config';
import type { TrainerEvent } from '../shared/events';
import { isParentToTrainer, TRAINER_EXIT, TRAINER_HEARTBEAT_MS, type ParentToTrainer, type TrainerStartMessage, type TrainerToParent } from '../shared/trainer-protocol';

interface ParentPort {
  on(event: 'message', listener: (e: { data: unknown }) => void): void;
  postMessage(message: unknown): void;
}

interface Channel {
  send(m: TrainerToParent): Promise<void>;
  onMessage(listener: (m: ParentToTrainer) => void): void;
  onParentGone(listener: () => void): void;
}

function connect(): Channel {
  const parentPort = (process as unknown as { parentPort?: ParentPort }).parentPort;
  if (parentPort) {
    return {
      send: async (m) => parentPort.postMessage(m),
      onMessage: (l) => parentPort.on('message', (e) => isParentToTrainer(e.data) && l(e.data)),
      // Electron ends utility processes with their parent.
      onParentGone: () => {},
    };
  }
  if (process.send) {
    return {
      send: (m) =>
        new Promise((resolve) => {
          if (!process.connected) return resolve();
          process.send!(m, undefined, {}, () => resolve());
        }),
      onMessage: (l) => process.on('message', (m: unknown) => isParentToTrainer(m) && l(m)),
      onParentGone: (l) => process.on('disconnect', l),
    };
  }
  throw new Error('trainer-process must be started by SAM Studio (no parent channel: use parentPort or child_process.fork)');
}

const channel = connect();
const abort = new AbortController();
let started = false;

async function exitAfter(m: TrainerToParent | null, code: number): Promise<never> {
  if (m) await channel.send(m).catch(() => undefined);
  process.exit(code);
}

/** Tell the parent this process lives, every TRAINER_HEARTBEAT_MS, while its event loop turns. */
function startHeartbeat(): NodeJS.Timeout {
  const heartbeat = setInterval(() => {
    void channel.send({ type: 'heartbeat', at: Date.now(), rssBytes: process.memoryUsage().rss });
  }, TRAINER_HEARTBEAT_MS);
  heartbeat.unref();
  return heartbeat;
}

async function runTraining(msg: TrainerStartMessage): Promise<void> {
  const heartbeat = startHeartbeat();
  // Re-validate: this process trusts nothing it did not check itself.
  const config = runConfigSchema.parse(msg.config);
  const { train } = await import('../engine/train');
  const emit = (event: TrainerEvent) => void channel.send({ type: 'event', event });
  // The parent learns the outcome from the terminal event train() emits; the process succeeded.
  await train(config, { runId: msg.runId, workDir: msg.workDir, resumeFrom: msg.resumeFrom, emit, signal: abort.signal });
  clearInterval(heartbeat);
  // train() already emitted the terminal event; wait until every queued message is delivered.
  await channel.send({ type: 'heartbeat', at: Date.now(), rssBytes: process.memoryUsage().rss });
  process.exit(TRAINER_EXIT.ok);
}

/** Analyse a stored run's checkpoint (an analysis job): spectrum and landscapes as events. */
async function runAnalysisJob(msg: TrainerStartMessage & { analysis: NonNullable<TrainerStartMessage['analysis']> }): Promise<void> {
  const heartbeat = startHeartbeat();
  const config = runConfigSchema.parse(msg.config);
  const { analyzeCheckpoint } = await import('../engine/hessian/stored');
  const emit = (event: TrainerEvent) => void channel.send({ type: 'event', event });
  const result = await analyzeCheckpoint(msg.runId, config, msg.analysis.checkpoint, msg.analysis.hessian, {
    signal: abort.signal,
    onProgress: (phase, done, total) => emit({ event: 'progress', runId: msg.runId, phase, done, total }),
  });
  emit(result.spectrum);
  for (const l of result.landscapes) emit(l);
  clearInterval(heartbeat);
  await channel.send({ type: 'heartbeat', at: Date.now(), rssBytes: process.memoryUsage().rss });
  process.exit(TRAINER_EXIT.ok);
}

channel.onMessage((msg) => {
  if (msg.type === 'stop') {
    abort.abort();
    if (!started) void exitAfter(null, TRAINER_EXIT.ok);
    return;
  }
  if (started) return;
  started = true;
  // Before any backend starts: the engine reads $SAM_WASM_THREADS when the config says null.
  if (msg.threadShare && !process.env[THREADS_ENV]) process.env[THREADS_ENV] = String(msg.threadShare);
  const job = msg.analysis ? runAnalysisJob({ ...msg, analysis: msg.analysis }) : runTraining(msg);
  job.catch((err: unknown) => exitAfter({ type: 'fatal', message: err instanceof Error ? err.message : String(err) }, TRAINER_EXIT.fatal));
});

channel.onParentGone(() => {
  // Nobody will record what this run does any more: stop at once rather than train blind.
  process.exit(TRAINER_EXIT.parentGone);
});

process.on('uncaughtException', (err) => void exitAfter({ type: 'fatal', message: `uncaught: ${err.stack ?? err.message}` }, TRAINER_EXIT.fatal));
process.on('unhandledRejection', (err) => void exitAfter({ type: 'fatal', message: `unhandled rejection: ${err instanceof Error ? err.message : String(err)}` }, TRAINER_EXIT.fatal));

void channel.send({ type: 'ready', pid: process.pid });
