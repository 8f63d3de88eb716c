// One load process: `node --import tsx src/load.ts '<json config>'`, started by `runLoad`
// (clients.ts), alone or beside others that share the connections of one measurement.
// It opens its connections and prints `ready`; on `go` (a line on stdin) each connection keeps
// `window` messages in flight, sending a new one as each echo comes back, checks every echo byte
// for byte, and times every round trip. It prints one line of JSON: its LoadProcessResult.

import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { encodeFrame, Opcode, randomMaskKey } from 'shared';
import { measuredWindow, openConnection, openMany, printResult } from './connections.ts';
import { EchoChecker, WrongEcho } from './echo-check.ts';
import { Latencies } from './latency.ts';

export interface LoadConfig {
  port: number;
  /** Connections of this process. */
  connections: number;
  /** Messages in flight per connection. */
  window: number;
  /** Bytes per message. */
  size: number;
  warmupMs: number;
  durationMs: number;
  /** False for the plain TCP echo server: no handshake, the frames come back as sent. */
  websocket: boolean;
  /** Frames the server sends first, not echoes (the hello servers' greeting). */
  skipFirst: number;
  /** The server's process, whose CPU time is read at the start and end of the measured time. */
  serverPid?: number | undefined;
}

export interface LoadProcessResult {
  messages: number;
  seconds: number;
  /** Round trips, in ms, as Latencies counts them. */
  latencies: [number, number][];
  /** This process's CPU time over the measured seconds, as a percentage of one core. */
  cpu: number;
  /** The server's, the same way (NaN when it could not be read). */
  serverCpu: number;
}

async function run(config: LoadConfig): Promise<LoadProcessResult> {
  // One masked binary frame, built once: the client's work per message is one buffer write.
  // (Binary, so no server spends time checking UTF-8: the frame layer is what is measured.)
  // Random bytes, so that a payload shifted or taken from elsewhere does not match by chance.
  const payload = randomBytes(config.size);
  const frame = encodeFrame({ opcode: Opcode.Binary, payload, maskKey: randomMaskKey() });
  const burst = Buffer.concat(Array.from({ length: config.window }, () => frame));
  // What must come back: the server's frame, unmasked (RFC 6455 §5.1: a server never masks);
  // the TCP echo server sends back the very bytes it got.
  const echo = config.websocket ? encodeFrame({ opcode: Opcode.Binary, payload }) : frame;

  let measuring = false;
  let messages = 0;
  const roundTrips: number[] = [];
  let fail: (error: Error) => void = () => {};
  const failed = new Promise<never>((_, reject) => {
    fail = reject;
  });
  let ending = false;

  const sockets = await openMany(0, config.connections, 100, (index) =>
    openConnection(config.port, { websocket: config.websocket, index }),
  );
  const starts = sockets.map(({ socket, rest }, index) => {
    const checker = new EchoChecker(echo, config.skipFirst);
    const sentAt: number[] = [];
    const send = (count: number) => {
      const now = performance.now();
      for (let i = 0; i < count; i++) sentAt.push(now);
      socket.write(count === config.window ? burst : burst.subarray(0, count * frame.length));
    };
    const receive = (chunk: Buffer) => {
      let echoes: number;
      try {
        echoes = checker.push(chunk);
      } catch (error) {
        if (!(error instanceof WrongEcho)) throw error;
        socket.destroy();
        fail(new WrongEcho(`wrong echo on connection ${index + 1}: ${error.message}`));
        return;
      }
      if (echoes === 0) return;
      const now = performance.now();
      for (let i = 0; i < echoes; i++) {
        const started = sentAt.shift() ?? now;
        if (measuring) roundTrips.push(now - started);
      }
      if (measuring) messages += echoes;
      send(echoes);
    };
    socket.on('data', receive);
    socket.on('close', () => {
      if (!ending) fail(new Error(`the server closed connection ${index + 1} during the load`));
    });
    socket.on('error', () => {}); // the 'close' that follows says it
    socket.pause();
    if (rest.length > 0) receive(rest);
    return () => {
      socket.resume();
      send(config.window);
    };
  });

  // Every process of the measurement has its connections open: all start at once.
  console.log('ready');
  await Promise.race([once(process.stdin, 'data'), failed]);
  for (const start of starts) start();

  let cpuBefore = process.cpuUsage();
  let serverBefore = cpuTimeOf(config.serverPid);
  const seconds = await Promise.race([
    measuredWindow(config, (on) => {
      measuring = on;
      if (on) {
        cpuBefore = process.cpuUsage();
        serverBefore = cpuTimeOf(config.serverPid);
      }
    }),
    failed,
  ]);
  const cpu = process.cpuUsage(cpuBefore);
  const serverCpu = cpuTimeOf(config.serverPid) - serverBefore;
  ending = true;
  for (const { socket } of sockets) socket.destroy();

  const latencies = new Latencies();
  for (const time of roundTrips) latencies.record(time);
  return {
    messages,
    seconds,
    latencies: latencies.toJSON(),
    cpu: ((cpu.user + cpu.system) / 1e3 / (seconds * 1e3)) * 100,
    serverCpu: (serverCpu / (seconds * 1e3)) * 100,
  };
}

/**
 * The CPU time a process has used so far, in ms: fields 14 and 15 of /proc/<pid>/stat (utime,
 * stime, after the command name in parentheses), in clock ticks of 1/100 s (USER_HZ on Linux).
 */
function cpuTimeOf(pid: number | undefined): number {
  if (pid === undefined) return Number.NaN;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return Number.NaN;
  }
}

// The config comes as JSON in the first argument; the result goes out as one line of JSON.
printResult(run(JSON.parse(process.argv[2] ?? '{}') as LoadConfig));
