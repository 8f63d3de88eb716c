// Opening handshakes per second: `node --import tsx src/handshakes.ts '<json config>'`. Keeps
// `concurrency` connections being opened at any time: each connects, sends its upgrade request,
// waits for the 101, and ends its side of TCP; then the next starts. Prints one line of JSON.
import { measuredWindow, openConnection, printResult } from './connections.ts';

export interface HandshakeConfig {
  port: number;
  concurrency: number;
  warmupMs: number;
  durationMs: number;
}

export interface HandshakeResult {
  handshakes: number;
  seconds: number;
}

async function run(config: HandshakeConfig): Promise<HandshakeResult> {
  let measuring = false;
  let stopped = false;
  let handshakes = 0;
  let index = 0;
  const worker = async () => {
    while (!stopped) {
      // A new source address every 20,000 connections: many short connections leave their
      // ports waiting (TIME_WAIT) for a minute after they close.
      const { socket } = await openConnection(config.port, { websocket: true, index: index++ });
      if (measuring) handshakes += 1;
      socket.on('error', () => {});
      socket.resume();
      socket.end();
    }
  };
  const workers = Array.from({ length: config.concurrency }, worker);
  const seconds = await measuredWindow(config, (on) => {
    measuring = on;
  });
  stopped = true;
  await Promise.all(workers);
  return { handshakes, seconds };
}

// The config comes as JSON in the first argument; the result goes out as one line of JSON.
printResult(run(JSON.parse(process.argv[2] ?? '{}') as HandshakeConfig));
