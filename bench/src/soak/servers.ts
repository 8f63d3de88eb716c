// The servers the soak attacks, each started as its own program the way `pnpm start` starts it,
// with a shorter heartbeat and handshake timeout than their defaults (30 s and 10 s), so that the
// clients those cut (silent ones, slow handshakes, clients that never read) are cut, and come
// back, several times within even a 10-second run.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type Program, spawnProgram } from 'support/testing/program';

export interface SoakServer {
  name: string;
  dir: string;
  /** Messages the server sends first (the hello servers' greeting). */
  greets: number;
}

const exercise = (name: string, greets: number): SoakServer => ({
  name,
  dir: fileURLToPath(new URL(`../../../exercises/part2/12-websocket-${name}`, import.meta.url)),
  greets,
});

/** In the order they run; echo-server, on `ws`, is the one the others are held against. */
export const SOAK_SERVERS: SoakServer[] = [
  exercise('echo-server', 0),
  exercise('native-server', 0),
  exercise('hello-server-ws', 1),
  exercise('hello-server', 1),
];

export const SOAK_HEARTBEAT_MS = 3000;
export const SOAK_HANDSHAKE_TIMEOUT_MS = 3000;

export interface RunningSoakServer {
  port: number;
  /** The server's resident memory now, and its peak so far (Linux: /proc/<pid>/status). */
  memory(): { rss: number; peak: number };
  /** CPU time the server has used so far, in ms (user + system, /proc/<pid>/stat). */
  cpuMs(): number;
  stop(): Promise<void>;
}

export async function startSoakServer(server: SoakServer): Promise<RunningSoakServer> {
  const program: Program = spawnProgram(server.dir, [], {
    PORT: '0',
    QUIET: '1',
    HEARTBEAT_INTERVAL: String(SOAK_HEARTBEAT_MS),
    HANDSHAKE_TIMEOUT: String(SOAK_HANDSHAKE_TIMEOUT_MS),
  });
  const line = await program.output.waitFor(/listening on wss?:\/\//);
  const url = /(wss?:\/\/\S+)/.exec(line)?.[1] ?? '';
  const pid = program.child.pid;
  return {
    port: Number(new URL(url).port),
    memory() {
      // VmHWM is the kernel's own high-water mark of the resident set: a peak no sampling misses.
      const status = readFileSync(`/proc/${pid}/status`, 'utf8');
      const kib = (field: string) =>
        Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1]) * 1024;
      return { rss: kib('VmRSS'), peak: kib('VmHWM') };
    },
    cpuMs() {
      // Fields 14 and 15 of /proc/<pid>/stat (utime, stime), after the command name in
      // parentheses, in clock ticks: USER_HZ, 100 a second on Linux.
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
    },
    async stop() {
      program.child.kill('SIGTERM');
      await program.exited;
    },
  };
}
