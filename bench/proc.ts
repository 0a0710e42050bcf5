/**
 * What Linux's /proc says about a process: the CPUs it may run on and the CPU
 * time it used. Off Linux every function returns undefined.
 */
import { readFileSync } from 'node:fs';

/** Clock ticks per second of /proc/<pid>/stat (USER_HZ; 100 on every Linux Node runs on). */
const TICKS = 100;

/** The CPUs a process (default this one) may run on, as Linux prints them ("0-1", "1"). */
export function allowedCpus(pid: number | 'self' = 'self'): string | undefined {
  try {
    return /^Cpus_allowed_list:\s*(\S+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  } catch {
    return undefined;
  }
}

/**
 * CPU seconds (user + system, all threads) a process used so far; 10 ms resolution.
 * Time another process took on the same CPU is not in it.
 */
export function cpuSeconds(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which is in parentheses and may hold spaces.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime are fields 14 and 15 of the whole line, 12 and 13 here (0-based 11, 12).
    return (Number(fields[11]) + Number(fields[12])) / TICKS;
  } catch {
    return undefined;
  }
}

/** Seconds one CPU spent busy (any process, kernel included) and stolen by the hypervisor, since boot. */
export function cpuTimes(cpu: number): { busy: number; steal: number } | undefined {
  try {
    const line = readFileSync('/proc/stat', 'utf8')
      .split('\n')
      .find((l) => l.startsWith(`cpu${cpu} `));
    if (line === undefined) return undefined;
    // user nice system idle iowait irq softirq steal
    const [user, nice, system, , , irq, softirq, steal] = line
      .trim()
      .split(/\s+/)
      .slice(1)
      .map(Number);
    return {
      busy: ((user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0)) / TICKS,
      steal: (steal ?? 0) / TICKS,
    };
  } catch {
    return undefined;
  }
}
