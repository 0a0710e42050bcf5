/**
 * CPU pinning with `taskset` (util-linux): the server gets one CPU, the load
 * generator another, so neither steals the other's time.
 */
import { spawn, spawnSync } from 'node:child_process';
import { cpus } from 'node:os';
import { allowedCpus } from './proc.js';

/** Marks the re-executed runner, so it never re-executes itself again. */
const PINNED_MARK = 'BENCH_RUNNER_PINNED';

/** Why pinning cannot work here, or undefined when it can. */
export function pinningProblem(serverCpu: number, loadCpu: number): string | undefined {
  if (serverCpu === loadCpu)
    return `the server and the load generator would share CPU ${serverCpu}`;
  const count = cpus().length;
  if (Math.max(serverCpu, loadCpu) >= count)
    return `this machine has ${count} CPU(s); CPUs ${serverCpu} and ${loadCpu} are needed`;
  const probe = spawnSync('taskset', ['-V'], { stdio: 'ignore' });
  if (probe.error !== undefined || probe.status !== 0)
    return 'taskset (util-linux) is not installed';
  return undefined;
}

/**
 * When this runner is not yet pinned to `cpu`, runs it again under `taskset -c cpu`
 * with the same arguments, waits for it and exits with its status. Returns only
 * when the current process is the one that should do the work.
 */
export async function ensurePinned(cpu: number): Promise<void> {
  if (allowedCpus() === String(cpu)) return;
  if (process.env[PINNED_MARK] === '1') {
    console.warn(
      `bench: taskset did not pin the runner to CPU ${cpu} (allowed: ${allowedCpus() ?? 'unknown'}); going on unpinned`,
    );
    return;
  }
  const child = spawn(
    'taskset',
    ['-c', String(cpu), process.execPath, ...process.execArgv, ...process.argv.slice(1)],
    {
      stdio: 'inherit',
      env: { ...process.env, [PINNED_MARK]: '1' },
    },
  );
  const forward = (signal: NodeJS.Signals) => () => child.kill(signal);
  process.on('SIGINT', forward('SIGINT'));
  process.on('SIGTERM', forward('SIGTERM'));
  const code = await new Promise<number>((resolve) => {
    child.on('error', (err) => {
      console.error(`bench: could not run taskset: ${err.message}`);
      resolve(1);
    });
    child.on('exit', (status) => resolve(status ?? 1));
  });
  process.exit(code);
}
