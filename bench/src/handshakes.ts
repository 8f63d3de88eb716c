// Opening handshakes per second: `node --import tsx src/handshakes.ts '<json config>'`. Keeps
// `concurrency` connections being opened at any time: each connects, sends its upgrade request,
// reads the answer, checks that it is a 101 a client may accept (RFC 6455 §4.1: Upgrade,
// Connection, and the Sec-WebSocket-Accept that its key asks for), and ends its side of TCP; then
// the next starts. Only handshakes that pass are counted; any other answer stops the run. Prints
// one line of JSON.
//
// The request is made once, so the client's work per handshake is the check of the answer, a
// small part of what the server does (the report shows the client's CPU time).
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import {
  checkUpgradeResponse,
  type ResponseHead,
  ResponseHeadReader,
  upgradeRequest,
} from 'shared';
import { measuredWindow, printResult } from './connections.ts';

export interface HandshakeConfig {
  port: number;
  concurrency: number;
  warmupMs: number;
  durationMs: number;
}

export interface HandshakeResult {
  handshakes: number;
  seconds: number;
  /** This process's CPU time over the measured seconds, as a percentage of one core. */
  cpu: number;
}

async function run(config: HandshakeConfig): Promise<HandshakeResult> {
  const { key, request } = upgradeRequest({ host: `127.0.0.1:${config.port}`, path: '/ws' });
  let measuring = false;
  let stopped = false;
  let handshakes = 0;
  const worker = async () => {
    while (!stopped) {
      // No source address of our own: the kernel may then reuse the ports that the
      // connections closed a moment ago keep waiting (TIME_WAIT) - thousands a second here.
      const socket = connect({ port: config.port, host: '127.0.0.1' });
      socket.on('error', () => {});
      await once(socket, 'connect');
      socket.write(request);
      const check = checkUpgradeResponse(await readAnswer(socket), key);
      if (!check.ok) throw new Error(`handshake failed: ${check.reason}`);
      if (measuring) handshakes += 1;
      socket.resume();
      socket.end();
    }
  };
  const workers = Promise.all(Array.from({ length: config.concurrency }, worker));
  let cpuBefore = process.cpuUsage();
  const seconds = await Promise.race([
    measuredWindow(config, (on) => {
      measuring = on;
      if (on) cpuBefore = process.cpuUsage();
    }),
    workers.then(() => Number.NaN),
  ]);
  const cpu = process.cpuUsage(cpuBefore);
  stopped = true;
  await workers;
  return { handshakes, seconds, cpu: ((cpu.user + cpu.system) / 1e3 / (seconds * 1e3)) * 100 };
}

/** The server's answer to the upgrade request: its status line and headers. */
function readAnswer(socket: Socket): Promise<ResponseHead> {
  const reader = new ResponseHeadReader();
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      const result = reader.push(chunk);
      if (result.type === 'incomplete') return;
      socket.off('data', onData);
      socket.off('close', onClose);
      if (result.type === 'invalid') reject(new Error(`handshake failed: ${result.reason}`));
      else resolve(result.head);
    };
    const onClose = () => reject(new Error('handshake failed: the server closed the connection'));
    socket.on('data', onData);
    socket.on('close', onClose);
  });
}

// The config comes as JSON in the first argument; the result goes out as one line of JSON.
printResult(run(JSON.parse(process.argv[2] ?? '{}') as HandshakeConfig));
