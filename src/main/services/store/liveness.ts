// Is a `running` run still owned by a live process? The services process that launched a trainer
// records the trainer's pid, its own pid and the time of the trainer's last heartbeat. The
// heartbeat comes from the trainer's own event loop (src/main/trainer-process.ts), never from the
// owner's clock, so a trainer that hangs or is suspended stops refreshing it. Any reader (the app at
// start-up, `sam-studio runs`, another server) treats a run as `interrupted` when either process is
// gone or the heartbeat went stale: nobody will ever finish that row.

/** How often a trainer beats (from its own event loop, between steps and Hessian-vector products). */
export const HEARTBEAT_MS = 2_000;
/**
 * A live owner kills a trainer silent this long (hung, or stopped with SIGSTOP) and fails its run.
 * Generous: a trainer is silent while one step runs, and a big model's step on the cpu backend
 * takes seconds.
 */
export const TRAINER_SILENCE_MS = 60_000;
/** Readers call a row stale later than the owner would: a live owner always settles its own runs first. */
export const STALE_MS = TRAINER_SILENCE_MS + 15_000;

export function pidAlive(pid: number | null): boolean {
  if (pid === null || !Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else — alive.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export interface LivenessFacts {
  status: string;
  pid: number | null;
  ownerPid: number | null;
  heartbeatAt: number | null;
}

/** Why a `running` run is orphaned, or null when it is alive (or not running at all). */
export function staleReason(r: LivenessFacts, now = Date.now(), staleMs = STALE_MS): string | null {
  if (r.status !== 'running') return null;
  if (r.ownerPid !== null && !pidAlive(r.ownerPid)) return `the SAM Studio process (pid ${r.ownerPid}) that ran it is gone`;
  if (r.pid !== null && !pidAlive(r.pid)) return `its trainer process (pid ${r.pid}) is gone`;
  const last = r.heartbeatAt;
  if (last === null) return r.pid === null && r.ownerPid === null ? 'it has no owning process' : null;
  if (now - last > staleMs) return `no heartbeat for ${Math.round((now - last) / 1000)} s`;
  return null;
}
