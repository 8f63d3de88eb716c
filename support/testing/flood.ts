import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createConnection, type Socket } from 'node:net';
import { encodeFrame, Opcode, upgradeRequest } from 'shared';
import { readHead } from './raw-client.ts';

/**
 * Clients that flood a server with small valid frames, for tests and the soak: they show whether
 * one client's bytes can hold a server's event loop while others wait.
 *
 *   empty continuations   a text frame that starts a message (FIN 0), then empty continuation
 *                         frames forever: 6 bytes each, the smallest frame a client can send
 *   pings                 125-byte pings; the pongs that answer them are never read
 *   pongs                 empty unsolicited pongs, which need no answer (RFC 6455 §5.5.3)
 */
export type FloodKind = 'empty continuations' | 'pings' | 'pongs';

// Every client frame is masked (RFC 6455 §5.1); a flooder needs no more than one fixed key.
const KEY = Buffer.from([0x12, 0x34, 0x56, 0x78]);
const masked = (opcode: number, payload: Buffer, fin = true) =>
  encodeFrame({ opcode, payload, fin, maskKey: KEY });
/**
 * About 1 MiB of one frame repeated: what a flooder writes each time. Large writes keep the
 * kernel's buffers full, so the server always finds as much to read as a fast client would give it.
 */
const repeated = (frame: Buffer) =>
  Buffer.concat(Array(Math.ceil((1024 * 1024) / frame.length)).fill(frame));

/** What each kind writes first (once), then again and again. */
export const FLOODS: Record<FloodKind, { first: Buffer; block: Buffer }> = {
  'empty continuations': {
    first: masked(Opcode.Text, Buffer.alloc(0), false),
    block: repeated(masked(Opcode.Continuation, Buffer.alloc(0), false)),
  },
  pings: { first: Buffer.alloc(0), block: repeated(masked(Opcode.Ping, Buffer.alloc(125, 0x70))) },
  pongs: { first: Buffer.alloc(0), block: repeated(masked(Opcode.Pong, Buffer.alloc(0))) },
};

/** Writes `bytes` again and again, as fast as the socket takes them and no faster. */
export function flood(socket: Socket, bytes: Buffer): void {
  const pump = () => {
    while (!socket.destroyed && socket.write(bytes)) {}
  };
  socket.on('drain', pump);
  pump();
}

/**
 * A flooder that never lets go: it connects, floods, and connects again whenever the server ends
 * the connection, until `stop()`. `flooding` resolves once its first connection is flooding.
 *
 * `inspected`: each connection is watched by a frame inspector that never reads (the hand-written
 * servers' page channel, `/inspect/<id>`): the flooder subscribes first, then connects with that
 * id and the server's own origin, as the page does.
 */
export function startFlooder(
  port: number,
  kind: FloodKind,
  options: { inspected?: boolean } = {},
): { flooding: Promise<void>; stop(): void } {
  let stopped = false;
  let socket: Socket | undefined;
  let inspector: Socket | undefined;
  const host = `127.0.0.1:${port}`;
  const connectOnce = (): Promise<void> =>
    new Promise((resolve, reject) => {
      const current = createConnection(port, '127.0.0.1');
      socket = current;
      current.on('error', () => {}); // the server cutting a flooder is expected
      current.on('close', () => {
        inspector?.destroy();
        if (!stopped) connectOnce().catch(() => {});
      });
      current.once('connect', async () => {
        let request = upgradeRequest({ host, path: '/ws' }).request;
        try {
          if (options.inspected) {
            const id = randomUUID();
            inspector = await subscribeWithoutReading(port, id);
            request = upgradeRequest({ host, path: `/ws?inspect=${id}` }).request.replace(
              '\r\n\r\n',
              `\r\nOrigin: http://${host}\r\n\r\n`,
            );
          }
        } catch (error) {
          reject(error);
          return;
        }
        current.write(request);
        try {
          await readHead(current); // leaves the socket paused: nothing the server sends is read
        } catch (error) {
          reject(error);
          return;
        }
        current.write(FLOODS[kind].first);
        flood(current, FLOODS[kind].block);
        resolve();
      });
    });
  return {
    flooding: connectOnce(),
    stop() {
      stopped = true;
      socket?.destroy();
      inspector?.destroy();
    },
  };
}

/** Subscribes to the frame inspector's stream `id` and never reads what it sends. */
async function subscribeWithoutReading(port: number, id: string): Promise<Socket> {
  const socket = createConnection(port, '127.0.0.1');
  socket.on('error', () => {});
  await once(socket, 'connect');
  socket.write(`GET /inspect/${id} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`);
  const { head } = await readHead(socket); // leaves the socket paused
  if (head.status !== 200) throw new Error(`the inspector answered ${head.status}`);
  return socket;
}

/**
 * A client that sends 125-byte pings and never reads a pong, for the tests of what a server
 * holds meanwhile: it writes FLOODS.pings' block (about 1 MiB) at a time, and after each one the
 * kernel has taken calls `afterEachBlock`, until the server ends the connection or `maxBytes`
 * have gone out. Resolves with the bytes sent and whether the server ended the connection.
 */
export async function pingUntilCut(
  port: number,
  afterEachBlock: () => Promise<void>,
  maxBytes: number,
): Promise<{ sent: number; cut: boolean }> {
  const socket = createConnection(port, '127.0.0.1');
  socket.on('error', () => {}); // the server cutting us is what the test waits for
  let cut = false;
  socket.once('close', () => {
    cut = true;
  });
  await new Promise<void>((resolve) => socket.once('connect', resolve));
  socket.write(upgradeRequest({ host: `127.0.0.1:${port}`, path: '/ws' }).request);
  await readHead(socket); // leaves the socket paused: not one pong is read
  let sent = 0;
  while (!cut && sent < maxBytes) {
    const { block } = FLOODS.pings;
    sent += block.length;
    if (!socket.write(block)) {
      await new Promise<void>((resolve) => {
        const done = () => {
          socket.off('drain', done);
          socket.off('close', done);
          resolve();
        };
        socket.on('drain', done);
        socket.on('close', done);
      });
    }
    if (!cut) await afterEachBlock();
  }
  socket.destroy();
  return { sent, cut };
}
