// A child process that stops talking (hung, or suspended by SIGSTOP) must not hold its run or
// analysis job forever. Only the child's own messages (heartbeats every HEARTBEAT_MS, events)
// count as signs of life; the parent never vouches for a child it cannot hear. One watchdog
// serves the trainers (scheduler.ts) and the analysis jobs (analysis-queue.ts).
import { HEARTBEAT_MS } from './store/index';

export class SilenceWatchdog<Child> {
  private readonly lastHeard = new Map<Child, number>();
  private readonly timer: NodeJS.Timeout;

  /** `onSilent` runs once per child silent for longer than `limitMs`; the child is then no longer watched. */
  constructor(
    readonly limitMs: number,
    onSilent: (child: Child, silentMs: number) => void,
  ) {
    this.timer = setInterval(() => {
      const now = Date.now();
      for (const [child, at] of this.lastHeard) {
        if (now - at <= limitMs) continue;
        this.lastHeard.delete(child);
        onSilent(child, now - at);
      }
    }, Math.min(HEARTBEAT_MS, limitMs / 4));
    this.timer.unref();
  }

  /** Start watching a child, or note that it was just heard from. */
  heard(child: Child): void {
    this.lastHeard.set(child, Date.now());
  }

  /** Stop watching a child (it exited). */
  forget(child: Child): void {
    this.lastHeard.delete(child);
  }

  close(): void {
    clearInterval(this.timer);
    this.lastHeard.clear();
  }
}
