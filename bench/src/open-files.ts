import { execFileSync } from 'node:child_process';

/**
 * Raises the number of files (sockets) this process may hold open to `count` if it may, with
 * util-linux's `prlimit` (Node has no call for it), and returns the limit now in force. The
 * programs it starts afterwards - the servers, the idle clients - inherit it. Raising the hard
 * limit needs root with CAP_SYS_RESOURCE; in a container without it, the limit stays as it is.
 */
export function raiseOpenFiles(count: number): number {
  const pid = String(process.pid);
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
