// Is a `running` run still owned by a live process? The services process that launched a trainer
// records the trainer's pid, its own pid and a heartbeat it refreshes while the trainer lives.
// Any reader (the app at start-up, `sam-studio runs`, another server) treats a run as
// `interrupted` when either process is gone or the heartbeat went stale: the owner died without
// writing a terminal status, so nobody will ever finish that row.

/** The owner refreshes heartbeats every HEARTBEAT_MS; STALE_MS leaves room for a busy machine. */
export const HEARTBEAT_MS = 2_000;
export const STALE_MS = 20_000;

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
