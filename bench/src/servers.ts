import { fileURLToPath } from 'node:url';
import {
  MEMORY_PROBE_OPTIONS,
  memoryOf,
  type Program,
  spawnProgram,
} from 'support/testing/program';

export interface ServerUnderTest {
  name: string;
  /** The program: its folder, and the file in it that starts it. */
  dir: string;
  entry: string;
  /** False for the TCP echo bound. */
  websocket: boolean;
  /** Messages the server sends first (the hello servers' greeting). */
  greets: number;
}

const exercise = (name: string) => ({
  dir: fileURLToPath(new URL(`../../exercises/part2/12-websocket-${name}`, import.meta.url)),
  entry: 'src/main.ts',
});

/** In the order they run in each round; echo-server (`ws`) is the baseline for the ratios. */
export const SERVERS: ServerUnderTest[] = [
  { name: 'echo-server', ...exercise('echo-server'), websocket: true, greets: 0 },
  { name: 'native-server', ...exercise('native-server'), websocket: true, greets: 0 },
  { name: 'hello-server-ws', ...exercise('hello-server-ws'), websocket: true, greets: 1 },
  { name: 'hello-server', ...exercise('hello-server'), websocket: true, greets: 1 },
  {
    name: 'tcp-echo',
    dir: fileURLToPath(new URL('..', import.meta.url)),
    entry: 'src/tcp-echo.ts',
    websocket: false,
    greets: 0,
  },
];

export interface RunningProgram {
  program: Program;
  port: number;
  /** The server's memory after a full garbage collection (see support/testing/memory-probe.ts). */
  memory(): Promise<NodeJS.MemoryUsage>;
  stop(): Promise<void>;
}

/**
 * Starts a server as its own process, as `pnpm start` would: quiet (no line per message), and
 * without heartbeat pings during the measurement.
 */
export async function startServer(server: ServerUnderTest): Promise<RunningProgram> {
  const program = spawnProgram(
    server.dir,
    [],
    {
      PORT: '0',
      QUIET: '1',
      HEARTBEAT_INTERVAL: '3600000',
      NODE_OPTIONS: MEMORY_PROBE_OPTIONS,
    },
    server.entry,
  );
  const line = await program.output.waitFor(/listening on \w+:\/\//);
  const port = Number(/:(\d+)(?:\/|$)/.exec(line.slice(line.indexOf('//') + 2))?.[1]);
  return {
    program,
    port,
    memory: () => memoryOf(program),
    async stop() {
      program.child.kill('SIGTERM');
      await program.exited;
    },
  };
}
