// Ctrl-C (SIGINT) or SIGTERM once: ask the work to stop with a checkpoint. A second one: leave at
// once with exit code 130. The CLI runs in the process the user started (bin/sam-studio.js),
// so `kill -INT <pid>` and a terminal's Ctrl-C both land here.
export interface Interrupt {
  /** Whether a stop was asked for. */
  readonly requested: boolean;
  dispose(): void;
}

export function onInterrupt(stop: () => void): Interrupt {
  let count = 0;
  const handler = () => {
    count++;
    if (count > 1) process.exit(130);
    stop();
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return {
    get requested() {
      return count > 0;
    },
    dispose() {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
    },
  };
}
