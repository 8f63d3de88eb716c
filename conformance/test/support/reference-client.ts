/**
 * A small command-line WebSocket client written for the tests, on node:net and the checker's
 * own frame code: correct as far as the checker can tell (0 FAILED), unless it is told to break
 * one rule. Each break is a mistake a learner could make; the tests check that client mode
 * catches it, in the section that states the rule.
 *
 *   node --import tsx test/support/reference-client.ts [--break NAME] ws://127.0.0.1:8082/ws
 *
 * Each line of input is sent as a text message, the end of input closes with 1000; every
 * message is printed on a line; exit status 0 after a clean close, 1 otherwise, with a line on
 * stderr that says why.
 */
import { createHash, randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { createInterface } from 'node:readline';
import { codeProblem } from '../../src/wire/close-codes.ts';
import { buildFrame, type FrameInfo, FrameReader, Opcode } from '../../src/wire/frame.ts';
import { fieldValues, ResponseReader, tokensOf } from '../../src/wire/http.ts';
import { firstInvalidUtf8 } from '../../src/wire/utf8.ts';
import type { ClientBreak } from './client-breaks.ts';

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
const FIXED_KEY = 'AAAAAAAAAAAAAAAAAAAAAA==';
const FIXED_MASK = Buffer.from([0x12, 0x34, 0x56, 0x78]);
/** After our close frame, how long the server gets to answer and close TCP. */
const CLOSE_WAIT_MS = 2000;

function run(): void {
  const args = process.argv.slice(2);
  const at = args.indexOf('--break');
  const broken = at === -1 ? undefined : (args[at + 1] as ClientBreak);
  const url = new URL(
    (at === -1 ? args : args.filter((_, i) => i !== at && i !== at + 1))[0] ?? '',
  );
  const socket = connect({ host: url.hostname, port: Number(url.port) || 80 });
  socket.setNoDelay(true);
  const key = broken === 'fixed-key' ? FIXED_KEY : randomBytes(16).toString('base64');
  const host = broken === 'no-port-in-host' ? url.hostname : url.host;
  socket.on('connect', () => {
    socket.write(
      `GET ${url.pathname}${url.search} HTTP/1.1\r\nHost: ${host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
    );
    if (broken === 'send-before-101') socket.write(frame(Opcode.Text, Buffer.from('too early')));
  });
  const lines = createInterface({ input: process.stdin, terminal: false });
  lines.pause();
  socket.on('error', () => {});
  const reader = new ResponseReader();
  const onData = (chunk: Buffer) => {
    const read = reader.push(chunk);
    if (read === undefined) return;
    socket.off('data', onData);
    if (read === 'too-large') return end(1, 'handshake failed: the answer is too long');
    const { head, rest } = read;
    const accept = createHash('sha1')
      .update(key + GUID)
      .digest('base64');
    const problem =
      head.status !== 101 && broken !== 'accept-any-status'
        ? `the server answered ${head.status}`
        : tokensOf(fieldValues(head, 'Upgrade')).join() !== 'websocket'
          ? 'Upgrade is not "websocket"'
          : !tokensOf(fieldValues(head, 'Connection')).includes('upgrade')
            ? 'Connection has no "Upgrade"'
            : fieldValues(head, 'Sec-WebSocket-Accept')[0] !== accept &&
                broken !== 'accept-any-accept'
              ? 'Sec-WebSocket-Accept does not match'
              : fieldValues(head, 'Sec-WebSocket-Extensions').length > 0
                ? 'an extension was never offered'
                : fieldValues(head, 'Sec-WebSocket-Protocol').length > 0
                  ? 'a subprotocol was never offered'
                  : undefined;
    if (problem && head.status !== 101) {
      // Not a 101: an ordinary HTTP response, whose body is read to its end before reporting
      // it - Content-Length bytes, or, with no length, until TCP closes (RFC 9112 §6.3).
      const length = fieldValues(head, 'Content-Length')[0];
      let body = rest.length;
      const report = () => end(1, `handshake failed: ${problem}`);
      if (length !== undefined && body >= Number(length)) return report();
      socket.on('data', (chunk: Buffer) => {
        body += chunk.length;
        if (length !== undefined && body >= Number(length)) report();
      });
      return;
    }
    if (problem) return end(1, `handshake failed: ${problem}`);
    open(socket, lines, rest, broken);
  };
  socket.on('data', onData);
  socket.on('close', () => end(1, 'the server closed the connection during the handshake'));

  function end(code: number, line: string): void {
    console.error(line);
    socket.destroy();
    process.exit(broken === 'exit-0-on-error' ? 0 : code);
  }
}

/** A frame as this client writes it: masked with a fresh key, unless broken. */
function frame(opcode: number, payload: Buffer, broken?: ClientBreak): Buffer {
  return buildFrame({
    opcode,
    payload,
    mask: broken === 'unmasked' ? false : broken === 'fixed-mask' ? FIXED_MASK : true,
    lengthForm: broken === 'long-length-form' ? 64 : 'shortest',
  }).bytes;
}

function closeBody(code: number | undefined): Buffer {
  if (code === undefined) return Buffer.alloc(0);
  const body = Buffer.alloc(2);
  body.writeUInt16BE(code);
  return body;
}

/** The WebSocket connection, once the 101 is checked. */
function open(
  socket: Socket,
  lines: ReturnType<typeof createInterface>,
  head: Buffer,
  broken?: ClientBreak,
): void {
  socket.removeAllListeners('close');
  const reader = new FrameReader(16 * 1024 * 1024);
  let message: { type: number; parts: Buffer[] } | undefined;
  let closeSent = false;
  let exitCode: number | undefined;
  let why = '';
  /** After a broken rule, nothing more is read: the close frames and TCP are all that is left. */
  let stopped = false;

  const send = (opcode: number, payload: Buffer) => {
    if (!socket.destroyed) socket.write(frame(opcode, payload, broken));
  };
  /** Sends our close frame (once), and waits for the server to close TCP. */
  const close = (code: number | undefined) => {
    if (closeSent) return;
    closeSent = true;
    send(Opcode.Close, closeBody(code));
    setTimeout(() => socket.destroy(), CLOSE_WAIT_MS).unref();
  };
  /** Fails the connection (RFC 6455 §7.1.7). */
  const fail = (code: number, reason: string) => {
    exitCode ??= 1;
    why ||= `protocol error: ${reason}; closing with ${code}`;
    close(code);
    stopped = true;
  };
  const onFrame = (item: FrameInfo) => {
    const { opcode, payload } = item;
    const control = opcode >= 0x8;
    if (item.masked && broken !== 'accept-masked') return fail(1002, 'a masked frame');
    if (item.rsv !== 0 && broken !== 'ignore-rsv') return fail(1002, 'RSV bits set');
    if (![0, 1, 2, 8, 9, 10].includes(opcode)) return fail(1002, 'an unknown opcode');
    if (control && (!item.fin || payload.length > 125)) return fail(1002, 'a bad control frame');
    if (opcode === Opcode.Ping) {
      if (broken !== 'no-pong' && !closeSent) send(Opcode.Pong, payload);
      return;
    }
    if (opcode === Opcode.Pong) return;
    if (opcode === Opcode.Close) return onClose(payload);
    if (opcode === Opcode.Continuation && !message) {
      if (broken !== 'orphan-continuation') return fail(1002, 'a continuation with no message');
      message = { type: Opcode.Text, parts: [] };
    } else if (opcode !== Opcode.Continuation) {
      if (message) return fail(1002, 'a new message inside a fragmented one');
      message = { type: opcode, parts: [] };
    }
    if (!message) return;
    message.parts.push(payload);
    if (!item.fin) return;
    const data = Buffer.concat(message.parts);
    const type = message.type;
    message = undefined;
    if (type === Opcode.Text && firstInvalidUtf8(data) !== -1 && broken !== 'no-utf8-check') {
      return fail(1007, 'text that is not UTF-8');
    }
    console.log(
      type === Opcode.Text
        ? `Received: ${data.toString('utf8')}`
        : `Received: ${data.toString('hex')}`,
    );
  };
  const onClose = (payload: Buffer) => {
    const code = payload.length >= 2 ? payload.readUInt16BE(0) : undefined;
    if (broken !== 'echo-any-close-code') {
      if (payload.length === 1) return fail(1002, 'a 1-byte close body');
      if (code !== undefined && codeProblem(code)) return fail(1002, `the close code ${code}`);
      if (firstInvalidUtf8(payload.subarray(2)) !== -1)
        return fail(1007, 'a close reason that is not UTF-8');
    }
    if (exitCode === undefined) {
      exitCode = closeSent || code === undefined || code === 1000 || code === 1001 ? 0 : 1;
      why = `the server closed the connection: ${code ?? 'no code'}`;
    }
    if (broken === 'no-close-reply') {
      socket.destroy();
      return;
    }
    close(code);
  };

  socket.on('data', (chunk: Buffer) => {
    for (const item of reader.push(chunk)) {
      if (stopped) return;
      if (item.kind === 'unreadable') return fail(1002, 'a length this client cannot read');
      onFrame(item.frame);
    }
  });
  socket.on('close', () => {
    if (exitCode === undefined && closeSent) {
      // We were leaving (the end of input), and the server never answered: still our choice.
      exitCode = 0;
      why = 'the server did not answer the close; closed anyway';
    }
    if (exitCode === undefined) {
      exitCode = 1;
      why = 'connection lost without a close frame (1006)';
    }
    if (exitCode === 0) console.log(why);
    else console.error(why);
    process.exit(broken === 'exit-0-on-error' ? 0 : exitCode);
  });

  lines.on('line', (line) => {
    if (!closeSent) send(Opcode.Text, Buffer.from(line));
  });
  lines.on('close', () => close(1000));
  lines.resume();
  if (head.length > 0) socket.emit('data', head);
}

run();
