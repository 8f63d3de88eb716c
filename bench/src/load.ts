// The load generator, run as its own process: `node --import tsx src/load.ts '<json config>'`.
// It opens a fixed set of connections; each keeps `window` messages in flight, sending a new one
// as each echo comes back, and times every round trip. It prints one line of JSON.
import { performance } from 'node:perf_hooks';
import { encodeFrame, Opcode, randomMaskKey } from 'shared';
import { measuredWindow, openConnection, openMany, printResult } from './connections.ts';
import { FrameCounter } from './frame-counter.ts';
import { percentile } from './stats.ts';

export interface LoadConfig {
  port: number;
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
}

export interface LoadResult {
  messages: number;
  seconds: number;
  /** Round-trip times in milliseconds. */
  p50: number;
  p99: number;
}

async function run(config: LoadConfig): Promise<LoadResult> {
  // One masked binary frame, built once: the client's work per message is one buffer write.
  // (Binary, so no server spends time checking UTF-8: the frame layer is what is measured.)
  const frame = encodeFrame({
    opcode: Opcode.Binary,
    payload: Buffer.alloc(config.size, 0x61),
    maskKey: randomMaskKey(),
  });
  const burst = Buffer.concat(Array.from({ length: config.window }, () => frame));

  let measuring = false;
  let messages = 0;
  const roundTrips: number[] = [];

  const sockets = await openMany(0, config.connections, 100, (index) =>
    openConnection(config.port, { websocket: config.websocket, index }),
  );
  for (const { socket, rest } of sockets) {
    const counter = new FrameCounter();
    const sentAt: number[] = [];
    let skip = config.skipFirst;
    const send = (count: number) => {
      const now = performance.now();
      for (let i = 0; i < count; i++) sentAt.push(now);
      socket.write(count === config.window ? burst : burst.subarray(0, count * frame.length));
    };
    const receive = (chunk: Buffer) => {
      let echoes = counter.push(chunk);
      while (skip > 0 && echoes > 0) {
        skip -= 1;
        echoes -= 1;
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
    socket.resume();
    if (rest.length > 0) receive(rest);
    send(config.window);
  }

  const seconds = await measuredWindow(config, (on) => {
    measuring = on;
  });
  for (const { socket } of sockets) socket.destroy();

  roundTrips.sort((a, b) => a - b);
  return {
    messages,
    seconds,
    p50: percentile(roundTrips, 0.5),
    p99: percentile(roundTrips, 0.99),
  };
}

// The config comes as JSON in the first argument; the result goes out as one line of JSON.
printResult(run(JSON.parse(process.argv[2] ?? '{}') as LoadConfig));
