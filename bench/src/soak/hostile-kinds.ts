// The hostile clients of the soak: what each kind does once it has a connection, and what a
// server should do about it. hostile.ts runs them, reconnecting each one as soon as the server
// ends it, so the pressure lasts the whole run.
import type { Socket } from 'node:net';
import { CloseCode, encodeFrame, Opcode, upgradeRequest } from 'shared';
import { FLOODS, flood } from 'support/testing/flood';

export interface HostileKind {
  name: string;
  /** What it does, and the answer a server should give (RFC 6455 unless said): for the report. */
  does: string;
  expected: string;
  /**
   * The outcomes (as hostile.ts names them) that answer: what a correct server does with this
   * kind, whatever the servers of this project do today. Anything else is a difference.
   */
  outcomes: string[];
  /** False for the kinds that never read: the tool then cannot see how the server ended them. */
  reads: boolean;
  /** True when the kind sends its own upgrade request (slowly), rather than a normal one first. */
  ownHandshake?: boolean;
  /** How the outcome reads when the client ends the connection itself. */
  endsItself?: string;
  /**
   * Starts on a connected socket (after the 101, unless ownHandshake). May return the one
   * outcome this connection must have, when the kind's outcomes depend on what it sent.
   */
  start(socket: Socket, port: number): string | undefined;
}

// Every client frame is masked (RFC 6455 §5.1); one fixed key is enough for an attacker.
const KEY = Buffer.from([0x12, 0x34, 0x56, 0x78]);
const masked = (opcode: number, payload: Buffer, fin = true) =>
  encodeFrame({ opcode, payload, fin, maskKey: KEY });

const BINARY_64K = masked(Opcode.Binary, Buffer.alloc(64 * 1024, 0x62));

/** Invalid frames, one per connection in turn, each with the close code RFC 6455 asks for. */
const INVALID_FRAMES: { frame: Buffer; code: number }[] = [
  // §5.1: a frame from a client that is not masked: 1002.
  { frame: encodeFrame({ opcode: Opcode.Text, payload: Buffer.from('not masked') }), code: 1002 },
  // §5.2: a reserved opcode (0x3): 1002.
  { frame: masked(0x3, Buffer.from('reserved')), code: 1002 },
  // §5.2: RSV1 set without an extension that defines it: 1002.
  {
    frame: (() => {
      const frame = masked(Opcode.Text, Buffer.from('rsv1'));
      frame[0]! |= 0x40;
      return frame;
    })(),
    code: 1002,
  },
  // §5.5: a fragmented control frame (FIN cleared by hand: encodeFrame refuses it): 1002.
  {
    frame: (() => {
      const frame = masked(Opcode.Ping, Buffer.from('half a ping'));
      frame[0]! &= 0x7f;
      return frame;
    })(),
    code: 1002,
  },
  // §8.1: text that is not UTF-8: 1007.
  { frame: masked(Opcode.Text, Buffer.from([0xce, 0xba, 0xe1, 0xbd, 0xb9, 0xff])), code: 1007 },
  // §7.4.1: 1005 may not be sent in a close frame: 1002.
  { frame: masked(Opcode.Close, Buffer.from([0x03, 0xed])), code: 1002 },
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
    expected: 'HTTP 408 once the handshake timeout is over (RFC 9110 §15.5.9)',
    outcomes: ['HTTP 408'],
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
      return undefined;
    },
  },
  {
    name: 'never reads',
    does: 'sends 64 KiB messages as fast as it can and reads none of the echoes',
    expected:
      'backpressure (reading paused), then ended by the heartbeat: a client that reads nothing ' +
      'sees only the end',
    outcomes: ['ended (unread)'],
    reads: false,
    start: (socket) => {
      flood(socket, BINARY_64K);
      return undefined;
    },
  },
  {
    name: 'empty continuations',
    does: 'starts a text message, then sends empty continuation frames forever',
    expected:
      `a close frame with ${CloseCode.MessageTooBig} (or 1008) after a bounded number of ` +
      'fragments (§7.4.1), that reaches the client: it reads (§7.1.1, the server closes TCP after ' +
      'the closing handshake, not before the client could read its close frame)',
    outcomes: [`close ${CloseCode.MessageTooBig}`, 'close 1008'],
    reads: true,
    start(socket) {
      socket.write(FLOODS['empty continuations'].first);
      flood(socket, FLOODS['empty continuations'].block);
      return undefined;
    },
  },
  {
    name: 'invalid frames',
    does: 'sends one invalid frame (unmasked, reserved opcode, RSV1, fragmented ping, bad UTF-8, close code 1005)',
    expected: 'a close frame with 1002, or 1007 for bad UTF-8 (§7.4.1), each for its frame',
    outcomes: ['close 1002', 'close 1007'],
    reads: true,
    start(socket) {
      const invalid = INVALID_FRAMES[nextInvalid++ % INVALID_FRAMES.length]!;
      socket.write(invalid.frame);
      return `close ${invalid.code}`;
    },
  },
  {
    name: 'oversize frame',
    does: 'announces a binary frame of 16 MiB + 1 byte, then sends its bytes',
    expected:
      'a close frame with 1009 from the header alone (§7.4.1), that reaches the client while ' +
      'it keeps sending (§7.1.1)',
    outcomes: [`close ${CloseCode.MessageTooBig}`],
    reads: true,
    start(socket) {
      socket.write(OVERSIZE_HEADER);
      flood(socket, Buffer.alloc(64 * 1024));
      return undefined;
    },
  },
  {
    name: 'reset mid-frame',
    does: 'sends the header and 32 KiB of a 1 MiB frame, then resets the connection (RST)',
    expected: 'the server forgets it; nothing for it to answer',
    outcomes: ['reset by the client'],
    reads: true,
    endsItself: 'reset by the client',
    start(socket) {
      const frame = masked(Opcode.Binary, Buffer.alloc(1024 * 1024, 0x72));
      socket.write(frame.subarray(0, 32 * 1024), () => socket.resetAndDestroy());
      return undefined;
    },
  },
  {
    name: 'ping flood',
    does: 'sends 125-byte pings as fast as it can and reads none of the pongs',
    expected:
      'a pong for each ping (§5.5.2) until the unread pongs back up, then backpressure and the ' +
      'end: a client that reads nothing sees only the end',
    outcomes: ['ended (unread)'],
    reads: false,
    start: (socket) => {
      flood(socket, FLOODS.pings.block);
      return undefined;
    },
  },
  {
    name: 'silent',
    does: 'completes the handshake, then sends nothing and answers no ping',
    expected:
      'cut by the heartbeat after a missed pong: a peer that answers no ping may be gone, and ' +
      'the server may close TCP without a close frame (§7.1.7)',
    outcomes: ['cut, no close frame'],
    reads: true,
    start: () => undefined,
  },
];

/** Outcomes that say only that the run stopped first: neither right nor wrong. */
const UNFINISHED = ['open at the end', 'open at the end, no 101 yet'];

export interface Verdict {
  /** Every ended connection of the kind ended as a correct server ends it, and at least one did. */
  asExpected: boolean;
  /** The outcomes a correct server would not have given, with their counts. */
  differences: [string, number][];
  /** Connections that ended within the run. */
  ended: number;
}

/** Judges how a server ended the connections of `kind` (outcome -> count, from hostile.ts). */
export function judge(kind: HostileKind, outcomes: Record<string, number>): Verdict {
  const entries = Object.entries(outcomes);
  const ended = entries
    .filter(([outcome]) => !UNFINISHED.includes(outcome))
    .reduce((sum, [, n]) => sum + n, 0);
  const differences = entries.filter(
    ([outcome]) => !UNFINISHED.includes(outcome) && !kind.outcomes.includes(outcome),
  );
  return { asExpected: ended > 0 && differences.length === 0, differences, ended };
}
