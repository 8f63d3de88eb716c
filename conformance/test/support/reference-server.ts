/**
 * A small WebSocket echo server written for the tests, on node:http and the checker's own frame
 * code: correct as far as the checker can tell (0 FAILED), unless it is told to break one rule.
 * Each break is a mistake a learner could make; the tests check that the checker catches it, in
 * the section that states the rule.
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { isSendableCode } from '../../src/wire/close-codes.ts';
import { buildFrame, type FrameInfo, FrameReader, Opcode } from '../../src/wire/frame.ts';
import { firstInvalidUtf8 } from '../../src/wire/utf8.ts';

export const BREAKS = {
  'accept-without-guid': 'computes Sec-WebSocket-Accept from the key alone, without the GUID',
  'any-version': 'accepts any Sec-WebSocket-Version',
  'unmasked-ok': 'reads unmasked frames from a client',
  'mask-own-frames': 'masks the frames it sends',
  'ignore-rsv': 'ignores the RSV bits',
  'empty-pong': 'answers every ping with an empty pong',
  'long-control-ok': 'takes control frames over 125 bytes',
  'orphan-continuation': 'reads a continuation frame with no message started as a new message',
  'no-utf8-check': 'echoes text without checking its UTF-8',
  'no-close-reply': 'closes TCP when a close frame comes, without a close frame in reply',
  'echo-any-close-code': 'echoes any close code, even 1005 and 1006',
  'truncate-large': 'echoes only the first 64 KiB of messages over 1 MiB',
} as const;

export type Break = keyof typeof BREAKS;

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
const MAX_PAYLOAD = 16 * 1024 * 1024;

export interface ReferenceServer {
  url: string;
  close(): Promise<void>;
}

export interface ReferenceOptions {
  /**
   * Ping the client once, the moment part of a frame from it has come but not all: allowed (a
   * ping may come at any time), and the client must not answer it inside its own frame.
   */
  pingMidFrame?: boolean;
  /*
   * Choices the RFC leaves to a server, none of them a broken MUST:
   */
  /** Refuse binary messages with 1003 (Unsupported Data). */
  refuseBinary?: boolean;
  /** Cut TCP on a broken rule, without a close frame first (a SHOULD not followed). */
  cutOnError?: boolean;
  /** Close a message over the limit with 1008 (Policy Violation) rather than 1009. */
  tooBigWith1008?: boolean;
  /** After the close frames, leave closing TCP to the client. */
  leaveTcpOpen?: boolean;
  /** Check UTF-8 only once a text message is whole, not as it comes. */
  utf8AtEnd?: boolean;
  /**
   * Answer only for loopback names, as a server on loopback should (DNS rebinding): 421 for a
   * request whose Host names another machine.
   */
  loopbackOnly?: boolean;
  /**
   * Close TCP, with no answer, when bytes follow the upgrade request before the 101 (the client
   * broke §4.1's MUST), as gorilla/websocket does.
   */
  refuseEarlyData?: boolean;
  /** Refuse a version other than 13 with 400 rather than 426, as §4.4's own example does. */
  versionWith400?: boolean;
  /** A message of its own to send right after the 101, as the hello servers do. */
  greeting?: string;
}

export async function startReferenceServer(
  broken?: Break,
  options: ReferenceOptions = {},
): Promise<ReferenceServer> {
  const sockets = new Set<Socket>();
  const server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    if (path !== '/ws') {
      response.writeHead(404).end();
    } else if (request.headers.upgrade !== undefined) {
      response.writeHead(400, { Connection: 'close' }).end('not a WebSocket handshake\n');
    } else {
      response.writeHead(426, { Upgrade: 'websocket', Connection: 'Upgrade' }).end();
    }
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.on('upgrade', (request: IncomingMessage, socket: Socket, head: Buffer) => {
    socket.on('error', () => {});
    if (options.refuseEarlyData && head.length > 0) {
      socket.destroy();
      return;
    }
    const refusal = refuse(request, broken, options);
    if (refusal) {
      socket.end(`HTTP/1.1 ${refusal}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      return;
    }
    const key = String(request.headers['sec-websocket-key']);
    const accept = createHash('sha1')
      .update(broken === 'accept-without-guid' ? key : key + GUID)
      .digest('base64');
    socket.write(
      `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`,
    );
    echo(socket, head, broken, options);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `ws://127.0.0.1:${port}/ws`,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** The status line to refuse an upgrade request with, or undefined to accept it. */
function refuse(
  request: IncomingMessage,
  broken?: Break,
  options: ReferenceOptions = {},
): string | undefined {
  const raw = request.rawHeaders;
  const hosts = raw.filter((name, i) => i % 2 === 0 && name.toLowerCase() === 'host');
  const host = request.headers.host ?? '';
  if (hosts.length !== 1 || !/^[A-Za-z0-9.\-_~]+(:\d+)?$|^\[[0-9A-Fa-f:.]+\](:\d+)?$/.test(host)) {
    return '400 Bad Request';
  }
  const name = host.replace(/:\d+$/, '');
  if (options.loopbackOnly && !['localhost', '127.0.0.1', '[::1]'].includes(name)) {
    return '421 Misdirected Request';
  }
  if (request.method !== 'GET') return '405 Method Not Allowed';
  if (request.httpVersion !== '1.1') return '400 Bad Request';
  const tokens = (value: string | string[] | undefined) =>
    String(value ?? '')
      .split(',')
      .map((token) => token.trim().toLowerCase());
  if (!tokens(request.headers.upgrade).includes('websocket')) return '400 Bad Request';
  if (!tokens(request.headers.connection).includes('upgrade')) return '400 Bad Request';
  if (broken !== 'any-version' && request.headers['sec-websocket-version'] !== '13') {
    return options.versionWith400
      ? '400 Bad Request\r\nSec-WebSocket-Version: 13'
      : '426 Upgrade Required\r\nSec-WebSocket-Version: 13\r\nUpgrade: websocket';
  }
  const key = request.headers['sec-websocket-key'] ?? '';
  if (
    Buffer.from(key, 'base64').length !== 16 ||
    Buffer.from(key, 'base64').toString('base64') !== key
  ) {
    return '400 Bad Request';
  }
  return undefined;
}

/** One connection: frames read, rules checked, messages echoed. */
function echo(socket: Socket, head: Buffer, broken?: Break, options: ReferenceOptions = {}): void {
  const reader = new FrameReader(MAX_PAYLOAD);
  let pinged = false;
  let message: { type: number; parts: Buffer[]; length: number } | undefined;
  let done = false;

  const send = (opcode: number, payload: Buffer) =>
    socket.write(buildFrame({ opcode, payload, mask: broken === 'mask-own-frames' }).bytes);
  /** Sends a close frame: a failure (a rule broken), or the reply to the client's close. */
  const closeWith = (code: number, reply = false) => {
    if (done) return;
    done = true;
    if (!reply && options.cutOnError) {
      socket.destroy();
      return;
    }
    const body = Buffer.alloc(2);
    body.writeUInt16BE(code === 1009 && options.tooBigWith1008 ? 1008 : code);
    send(Opcode.Close, body);
    if (!(reply && options.leaveTcpOpen)) socket.end();
  };

  /** Handles a frame; returns the close code to fail the connection with, if a rule is broken. */
  const onFrame = (frame: FrameInfo): number | undefined => {
    const { opcode, payload } = frame;
    const control = opcode >= 0x8;
    if (!frame.masked && broken !== 'unmasked-ok') return 1002;
    if (frame.rsv !== 0 && broken !== 'ignore-rsv') return 1002;
    if (![0, 1, 2, 8, 9, 10].includes(opcode)) return 1002;
    if (control && (!frame.fin || (payload.length > 125 && broken !== 'long-control-ok'))) {
      return 1002;
    }
    if (opcode === Opcode.Ping) {
      send(Opcode.Pong, broken === 'empty-pong' ? Buffer.alloc(0) : payload);
      return undefined;
    }
    if (opcode === Opcode.Pong) return undefined;
    if (opcode === Opcode.Close) return onClose(payload);
    let current = message;
    if (opcode === Opcode.Continuation && !current) {
      if (broken !== 'orphan-continuation') return 1002;
      current = { type: Opcode.Binary, parts: [], length: 0 };
    } else if (opcode !== Opcode.Continuation) {
      if (current) return 1002;
      current = { type: opcode, parts: [], length: 0 };
    }
    if (!current) return undefined;
    message = current;
    current.parts.push(payload);
    current.length += payload.length;
    if (current.length > MAX_PAYLOAD) return 1009;
    const data = Buffer.concat(current.parts);
    const checkNow = !options.utf8AtEnd || frame.fin;
    if (current.type === Opcode.Text && broken !== 'no-utf8-check' && checkNow) {
      // Checked as it comes: only a character cut at the end of a fragment may wait.
      const status = utf8Status(data);
      if (status === 'invalid' || (frame.fin && status === 'incomplete')) return 1007;
    }
    if (!frame.fin) return undefined;
    message = undefined;
    if (current.type === Opcode.Binary && options.refuseBinary) return 1003;
    const truncated = broken === 'truncate-large' && data.length > 1024 * 1024;
    send(current.type, truncated ? data.subarray(0, 64 * 1024) : data);
    return undefined;
  };

  /** A close frame: the reply echoes its code, unless the body breaks a rule. */
  const onClose = (payload: Buffer): number | undefined => {
    if (broken === 'no-close-reply') {
      done = true;
      socket.end();
      return undefined;
    }
    if (payload.length === 1) return 1002;
    const code = payload.length === 0 ? 1000 : payload.readUInt16BE(0);
    if (!isSendableCode(code) && broken !== 'echo-any-close-code') return 1002;
    if (firstInvalidUtf8(payload.subarray(2)) !== -1) return 1007;
    closeWith(code, true);
    return undefined;
  };

  const onData = (chunk: Buffer) => {
    if (done) return; // after the close, whatever comes is not read
    for (const item of reader.push(chunk)) {
      if (done) return;
      const code =
        item.kind === 'unreadable' ? (item.why === 'too-long' ? 1009 : 1002) : onFrame(item.frame);
      if (code !== undefined) closeWith(code);
    }
    if (options.pingMidFrame && !pinged && !done && reader.buffered > 0) {
      pinged = true;
      send(Opcode.Ping, Buffer.from('mid-frame'));
    }
  };
  if (options.greeting !== undefined) send(Opcode.Text, Buffer.from(options.greeting));
  socket.on('data', onData);
  // The client ended its side of TCP: end ours too (sockets from 'upgrade' stay half open).
  socket.on('end', () => socket.end());
  if (head.length > 0) onData(head);
}

/** Valid UTF-8, invalid, or valid but for a character cut short at the end. */
function utf8Status(data: Buffer): 'valid' | 'incomplete' | 'invalid' {
  const bad = firstInvalidUtf8(data);
  if (bad === -1) return 'valid';
  const tail = data.subarray(bad);
  if (tail.length > 3) return 'invalid';
  // Cut short if some continuation bytes would complete it.
  const candidates = [0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf];
  const complete = (bytes: number[]): boolean => {
    if (firstInvalidUtf8(Buffer.from(bytes)) === -1) return true;
    return bytes.length < 4 && candidates.some((byte) => complete([...bytes, byte]));
  };
  return complete([...tail]) ? 'incomplete' : 'invalid';
}
