// What a process has cost so far, from Linux's /proc (the benchmarks run on Linux only).
import { readFileSync } from 'node:fs';

const USER_HZ = 100;

/** CPU seconds (user + system) used by a process; this process when `pid` is omitted. */
export function cpuSeconds(pid?: number | string): number {
  // The command name in field 2 may contain spaces; the fields after ") " are fixed.
  const fields =
    readFileSync(`/proc/${pid ?? 'self'}/stat`, 'utf8')
      .split(') ')[1]
      ?.split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12])) / USER_HZ;
}

/** Resident set size in MB. */
export function rssMb(pid: number | undefined): number {
  const status = readFileSync(`/proc/${pid ?? 'self'}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
}
