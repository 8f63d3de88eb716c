import { execFileSync } from 'node:child_process';

/**
 * Raises the number of files (sockets) a process may hold open to at least `count`, with
 * util-linux's `prlimit`: Node has no call for it, and the usual limit (often 1,024 or 20,000)
 * is below the 50,000 idle connections the benchmark opens. Raising a hard limit needs root.
 * Returns the limit now in force.
 */
export function raiseOpenFiles(pid: number, count: number): number {
  try {
    execFileSync('prlimit', [`--pid=${pid}`, `--nofile=${count}:${count}`], { stdio: 'ignore' });
  } catch {
    // Not allowed, or no prlimit: what the process has is what it gets.
  }
  try {
    const args = [`--pid=${pid}`, '--nofile', '--output=SOFT', '--noheadings'];
    return Number(execFileSync('prlimit', args, { encoding: 'utf8' }).trim());
  } catch {
    return Number.NaN;
  }
}
