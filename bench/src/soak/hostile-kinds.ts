// The hostile clients of the soak: what each kind does once it has a connection, and what a
// server should do about it. hostile.ts runs them, reconnecting each one as soon as the server
// ends it, so the pressure lasts the whole run.
import type { Socket } from 'node:net';
import { CloseCode, encodeFrame, Opcode, upgradeRequest } from 'shared';
import { FLOODS, flood } from 'support/testing/flood';

export interface HostileKind {
  name: string;
  /** What it does, and the answer a server should give: for the report. */
  does: string;
  expected: string;
  /** False for the kinds that never read: the tool then cannot see how the server ended them. */
  reads: boolean;
  /** True when the kind sends its own upgrade request (slowly), rather than a normal one first. */
  ownHandshake?: boolean;
  /** How the outcome reads when the client ends the connection itself. */
  endsItself?: string;
  /** Starts on a connected socket (after the 101, unless ownHandshake). */
  start(socket: Socket, port: number): void;
}

// Every client frame is masked (RFC 6455 §5.1); one fixed key is enough for an attacker.
const KEY = Buffer.from([0x12, 0x34, 0x56, 0x78]);
const masked = (opcode: number, payload: Buffer, fin = true) =>
  encodeFrame({ opcode, payload, fin, maskKey: KEY });

const BINARY_64K = masked(Opcode.Binary, Buffer.alloc(64 * 1024, 0x62));

/** Invalid frames, one per connection in turn, each with the close code RFC 6455 asks for. */
const INVALID_FRAMES: Buffer[] = [
  // §5.1: a frame from a client that is not masked: 1002.
  encodeFrame({ opcode: Opcode.Text, payload: Buffer.from('not masked') }),
  // §5.2: a reserved opcode (0x3): 1002.
  masked(0x3, Buffer.from('reserved')),
  // §5.2: RSV1 set without an extension that defines it: 1002.
  (() => {
    const frame = masked(Opcode.Text, Buffer.from('rsv1'));
    frame[0]! |= 0x40;
    return frame;
  })(),
  // §5.5: a fragmented control frame (FIN cleared by hand: encodeFrame refuses it): 1002.
  (() => {
    const frame = masked(Opcode.Ping, Buffer.from('half a ping'));
    frame[0]! &= 0x7f;
    return frame;
  })(),
  // §8.1: text that is not UTF-8: 1007.
  masked(Opcode.Text, Buffer.from([0xce, 0xba, 0xe1, 0xbd, 0xb9, 0xff])),
  // §7.4.1: 1005 may not be sent in a close frame: 1002.
  masked(Opcode.Close, Buffer.from([0x03, 0xed])),
];
let nextInvalid = 0;

/** The server's maxPayload is 16 MiB by default: announce one byte more (RFC 6455 §5.2, 64-bit length). */
const OVERSIZE_HEADER = (() => {
  const header = Buffer.alloc(14);
  header[0] = 0x80 | Opcode.Binary;
  header[1] = 0x80 | 127;
  header.writeBigUInt64BE(BigInt(16 * 1024 * 1024 + 1), 2);
  KEY.copy(header, 10);
  return header;
})();

/** One byte of the upgrade request every this many ms: a "slowloris". */
const SLOW_BYTE_MS = 250;

export const HOSTILE_KINDS: HostileKind[] = [
  {
    name: 'slow handshake',
    does: `sends its upgrade request one byte every ${SLOW_BYTE_MS} ms`,
    expected: 'HTTP 408 once the handshake timeout is over',
    reads: true,
    ownHandshake: true,
    start(socket, port) {
      const request = Buffer.from(
        upgradeRequest({ host: `127.0.0.1:${port}`, path: '/ws' }).request,
      );
      let sent = 0;
      const timer = setInterval(() => {
        if (socket.destroyed || sent === request.length) return clearInterval(timer);
        socket.write(request.subarray(sent, sent + 1));
        sent += 1;
      }, SLOW_BYTE_MS);
      socket.once('close', () => clearInterval(timer));
    },
  },
  {
    name: 'never reads',
    does: 'sends 64 KiB messages as fast as it can and reads none of the echoes',
    expected: 'backpressure (reading paused), then cut by the heartbeat',
    reads: false,
    start: (socket) => flood(socket, BINARY_64K),
  },
  {
    name: 'empty continuations',
    does: 'starts a text message, then sends empty continuation frames forever',
    expected: `${CloseCode.MessageTooBig} or 1008 after a bounded number of fragments`,
    reads: true,
    start(socket) {
      socket.write(FLOODS['empty continuations'].first);
      flood(socket, FLOODS['empty continuations'].block);
    },
  },
  {
    name: 'invalid frames',
    does: 'sends one invalid frame (unmasked, reserved opcode, RSV1, fragmented ping, bad UTF-8, close code 1005)',
    expected: '1002, or 1007 for bad UTF-8',
    reads: true,
    start(socket) {
      socket.write(INVALID_FRAMES[nextInvalid++ % INVALID_FRAMES.length]!);
    },
  },
  {
    name: 'oversize frame',
    does: 'announces a binary frame of 16 MiB + 1 byte, then sends its bytes',
    expected: '1009 from the header alone',
    reads: true,
    start(socket) {
      socket.write(OVERSIZE_HEADER);
      flood(socket, Buffer.alloc(64 * 1024));
    },
  },
  {
    name: 'reset mid-frame',
    does: 'sends the header and 32 KiB of a 1 MiB frame, then resets the connection (RST)',
    expected: 'the server forgets it; nothing for it to answer',
    reads: true,
    endsItself: 'reset by the client',
    start(socket) {
      const frame = masked(Opcode.Binary, Buffer.alloc(1024 * 1024, 0x72));
      socket.write(frame.subarray(0, 32 * 1024), () => socket.resetAndDestroy());
    },
  },
  {
    name: 'ping flood',
    does: 'sends 125-byte pings as fast as it can and reads none of the pongs',
    expected: 'backpressure (reading paused), then cut by the heartbeat',
    reads: false,
    start: (socket) => flood(socket, FLOODS.pings.block),
  },
  {
    name: 'silent',
    does: 'completes the handshake, then sends nothing and answers no ping',
    expected: 'cut by the heartbeat after a missed pong',
    reads: true,
    start() {},
  },
];
