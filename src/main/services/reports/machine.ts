// Machine facts for the report. Runs train locally, so the machine that writes the report is
// normally the one that trained them; facts recorded in the run's backend report win if present.
import os from 'node:os';
import type { BackendReport } from '../../../shared/events';
import type { MachineInfo } from './types';

export function thisMachine(): MachineInfo {
  const cpus = os.cpus();
  return {
    os: `${os.type()} ${os.release()} (${os.arch()})`,
    cpuModel: cpus[0]?.model.trim() || 'unknown CPU',
    cores: cpus.length,
    memoryBytes: os.totalmem(),
    node: process.version,
    source: 'report-machine',
  };
}

/** Machine of a run: the run's own record where its backend report carries the facts. */
export function machineOf(report: BackendReport | null, fallback: MachineInfo): MachineInfo {
  const d = report?.details ?? {};
  const str = (k: string) => (typeof d[k] === 'string' ? (d[k] as string) : null);
  const num = (k: string) => (typeof d[k] === 'number' ? (d[k] as number) : null);
  const osName = str('os');
  const cpu = str('cpuModel') ?? str('cpu');
  if (!osName && !cpu) return fallback;
  return {
    os: osName ?? fallback.os,
    cpuModel: cpu ?? fallback.cpuModel,
    cores: num('cores') ?? num('cpuCores') ?? fallback.cores,
    memoryBytes: num('memoryBytes') ?? num('totalMemory') ?? fallback.memoryBytes,
    node: str('node') ?? fallback.node,
    source: 'run',
  };
}

export function formatBytes(n: number): string {
  const gib = n / 2 ** 30;
  return gib >= 1 ? `${gib.toFixed(1)} GiB` : `${(n / 2 ** 20).toFixed(0)} MiB`;
}
