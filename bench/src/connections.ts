// How the benchmark's client programs (load.ts, idle.ts, handshakes.ts) open connections.
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { checkUpgradeResponse, upgradeRequest } from 'shared';
import { readHead } from 'support/testing/raw-client';

/**
 * Connections per source address. A TCP connection is named by its two addresses and two ports;
 * to one server port, one source address has about 28,000 ports to choose from (Linux's
 * ip_local_port_range, 32768-60999). Beyond that, connections come from 127.0.0.2 and up, which
 * are loopback addresses too on Linux.
 */
const PER_SOURCE_ADDRESS = 20_000;

/**
 * The source address of connection number `index` (0, 1, ...): none for the first 20,000, then
 * 127.0.0.2 and up. None: the kernel picks the address and port as it connects, and may reuse
 * the port of a connection that closed a moment ago (TIME_WAIT) - a port picked for a given
 * address before connecting may not, and thousands of handshakes leave thousands of those
 * ports behind (connect failed with EADDRINUSE).
 */
export function sourceAddress(index: number): string | undefined {
  if (index < PER_SOURCE_ADDRESS) return undefined;
  return `127.0.0.${1 + Math.floor(index / PER_SOURCE_ADDRESS)}`;
}

/**
 * A TCP connection to 127.0.0.1:`port`, with the WebSocket handshake done when `websocket` (and
 * the server's 101 checked as a client must, RFC 6455 §4.1).
 * `rest` holds bytes the server sent right after its 101 (a greeting).
 */
export async function openConnection(
  port: number,
  options: { websocket: boolean; index?: number },
): Promise<{ socket: Socket; rest: Buffer }> {
  const socket = connect({
    port,
    host: '127.0.0.1',
    localAddress: sourceAddress(options.index ?? 0),
  });
  socket.setNoDelay(true);
  await once(socket, 'connect');
  if (!options.websocket) return { socket, rest: Buffer.alloc(0) };
  const { key, request } = upgradeRequest({ host: `127.0.0.1:${port}`, path: '/ws' });
  socket.write(request);
  const { head, rest } = await readHead(socket);
  const check = checkUpgradeResponse(head, key);
  if (!check.ok) throw new Error(`handshake failed: ${check.reason}`);
  return { socket, rest };
}

/**
 * Opens connections number `from` to `to - 1`, `atOnce` at a time: a server's queue of
 * connections waiting to be accepted is finite.
 */
export async function openMany<T>(
  from: number,
  to: number,
  atOnce: number,
  open: (index: number) => Promise<T>,
): Promise<T[]> {
  const sockets: T[] = [];
  for (let start = from; start < to; start += atOnce) {
    const end = Math.min(to, start + atOnce);
    const batch = Array.from({ length: end - start }, (_, i) => open(start + i));
    sockets.push(...(await Promise.all(batch)));
  }
  return sockets;
}

/**
 * Ends a client program: its result as one line of JSON on stdout and exit 0, or its error as
 * one line on stderr and exit 1. The benchmark reads the last line.
 */
export function printResult(result: Promise<unknown>): void {
  result.then(
    (value) => {
      console.log(JSON.stringify(value));
      process.exit(0);
    },
    (error: unknown) => {
      console.error(error instanceof Error ? error.message : String(error));
      process.exit(1);
    },
  );
}

/**
 * The measured time of a client program: waits out the warm-up, turns `measuring` on, waits the
 * measured time, turns it off. Returns the seconds that were measured.
 */
export async function measuredWindow(
  times: { warmupMs: number; durationMs: number },
  measuring: (on: boolean) => void,
): Promise<number> {
  await new Promise((resolve) => setTimeout(resolve, times.warmupMs));
  measuring(true);
  const started = performance.now();
  await new Promise((resolve) => setTimeout(resolve, times.durationMs));
  measuring(false);
  return (performance.now() - started) / 1000;
}
