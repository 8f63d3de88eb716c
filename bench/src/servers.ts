import { readdirSync, readlinkSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  MEMORY_PROBE_OPTIONS,
  memoryOf,
  type Program,
  spawnProgram,
} from 'support/testing/program';

export interface ServerUnderTest {
  name: string;
  /** What it is, in a sentence, for the report. */
  about: string;
  /** The program: its folder, and the file in it that starts it. */
  dir: string;
  entry: string;
  /** False for the TCP echo bound. */
  websocket: boolean;
  /** Messages the server sends first (the hello servers' greeting). */
  greets: number;
  /** Environment variables of its own. */
  env?: Record<string, string>;
}

const exercise = (name: string) => ({
  dir: fileURLToPath(new URL(`../../exercises/part2/12-websocket-${name}`, import.meta.url)),
  entry: 'src/main.ts',
});

const benchFile = (entry: string) => ({
  dir: fileURLToPath(new URL('..', import.meta.url)),
  entry,
});

/** The baseline of every ratio: `ws` as its README writes an echo server, without add-ons. */
export const BASELINE = 'ws';

/** In the order they run in each round. */
export const SERVERS: ServerUnderTest[] = [
  {
    name: BASELINE,
    about:
      "The echo server of ws's README (bench/src/ws-echo.ts), as `npm install ws` gives it: " +
      "masking in JavaScript, no heartbeat, no backpressure, ws's default 100 MiB size limit.",
    ...benchFile('src/ws-echo.ts'),
    websocket: true,
    greets: 0,
    env: { WS_NO_BUFFER_UTIL: '1' },
  },
  {
    name: 'ws + bufferutil',
    about:
      'The same program with `bufferutil` installed beside ws: its C add-on masks and unmasks ' +
      'payloads of 32 bytes and more, what users install for speed.',
    ...benchFile('src/ws-echo.ts'),
    websocket: true,
    greets: 0,
    // ws looks for bufferutil with require(); only the benchmark's own node_modules has it.
    env: { NODE_PATH: fileURLToPath(new URL('../node_modules', import.meta.url)) },
  },
  {
    name: 'echo-server',
    about:
      'The first exercise: ws with what a server on the internet needs - heartbeat, a 16 MiB ' +
      'size limit, backpressure, origin checks, 1011 on our own errors, a clean shutdown.',
    ...exercise('echo-server'),
    websocket: true,
    greets: 0,
  },
  {
    name: 'native-server',
    about:
      'The third exercise: the same server by hand on node:http and node:net, on the ' +
      'TypeScript RFC 6455 core in shared/ (no native add-on).',
    ...exercise('native-server'),
    websocket: true,
    greets: 0,
  },
  {
    name: 'hello-server-ws',
    about: 'echo-server plus a greeting to each new client (the sixth exercise).',
    ...exercise('hello-server-ws'),
    websocket: true,
    greets: 1,
  },
  {
    name: 'hello-server',
    about: 'native-server plus the greeting (the fifth exercise).',
    ...exercise('hello-server'),
    websocket: true,
    greets: 1,
  },
  {
    name: 'tcp-echo',
    about:
      'No WebSocket at all: every chunk written back as it was read (bench/src/tcp-echo.ts), ' +
      'reading paused only above the same 4 MiB of unwritten bytes as the servers: the upper ' +
      'bound, what the machine and the load processes can do with no WebSocket work at all.',
    ...benchFile('src/tcp-echo.ts'),
    websocket: false,
    greets: 0,
  },
];

export interface RunningProgram {
  program: Program;
  port: number;
  /** The line it printed when it started listening. */
  startLine: string;
  /** The server's memory after a full garbage collection (see support/testing/memory-probe.ts). */
  memory(): Promise<NodeJS.MemoryUsage>;
  /** How many sockets the server holds open now: its listening socket and its connections. */
  sockets(): number;
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
      ...server.env,
    },
    server.entry,
  );
  const line = await program.output.waitFor(/listening on \w+:\/\//);
  const port = Number(/:(\d+)(?:[/\s]|$)/.exec(line.slice(line.indexOf('//') + 2))?.[1]);
  return {
    program,
    port,
    startLine: line,
    memory: () => memoryOf(program),
    sockets: () => openSockets(program.child.pid),
    async stop() {
      program.child.kill('SIGTERM');
      await program.exited;
    },
  };
}

/**
 * The sockets a process holds: the entries of /proc/<pid>/fd that are sockets (Linux). Counted on
 * the server's side, so a client cannot claim connections the server never accepted.
 */
export function openSockets(pid: number | undefined): number {
  const dir = `/proc/${pid}/fd`;
  let count = 0;
  for (const fd of readdirSync(dir)) {
    try {
      if (readlinkSync(`${dir}/${fd}`).startsWith('socket:')) count += 1;
    } catch {
      // Closed between the listing and the look: not held.
    }
  }
  return count;
}
