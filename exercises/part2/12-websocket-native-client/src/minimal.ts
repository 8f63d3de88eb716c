// native-client at its smallest: a WebSocket client written by hand on node:net, as RFC 6455 lays
// it out. Each line you type (or pipe in) goes out as a text message, each text message that
// arrives is printed, and the end of input (Ctrl+D, or the end of a pipe) closes with 1000.
//
//   pnpm --filter native-client start:minimal                      ws://localhost:8082/ws
//   printf 'a\nb\n' | pnpm --filter native-client start:minimal ws://localhost:8080/ws
//
// What it leaves out, and src/main.ts adds: frames over 125 bytes (the 16- and 64-bit lengths),
// fragmented and binary messages, any check of the server's frames (masking, opcodes,
// UTF-8), wss:// and IPv6 addresses, time limits, Ctrl+C, exit codes that say how the connection
// ended, failures in one line, and escaping what the server sent before printing it.
import { createHash, randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import { createInterface } from 'node:readline';

const url = new URL(process.argv[2] ?? 'ws://localhost:8082/ws');
if (url.protocol !== 'ws:') {
  console.error(
    'only ws:// URLs here; for wss://, run the full client: pnpm --filter native-client start',
  );
  process.exit(2);
}
const TEXT = 0x1;
const CLOSE = 0x8;
const PING = 0x9;
const PONG = 0xa;

// 1. The request (RFC 6455 §4.1): an HTTP GET that asks to switch this connection to WebSocket.
//    Its key is 16 random bytes in base64; the server proves it read this very request by
//    answering base64(SHA-1(key + GUID)).
const key = randomBytes(16).toString('base64');
const expectedAccept = createHash('sha1')
  .update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`)
  .digest('base64');
const socket = connect({ host: url.hostname, port: Number(url.port) || 80 });
socket.on('connect', () => {
  socket.write(
    `GET ${url.pathname}${url.search} HTTP/1.1\r\n` +
      `Host: ${url.host}\r\n` +
      'Upgrade: websocket\r\n' +
      'Connection: Upgrade\r\n' +
      `Sec-WebSocket-Key: ${key}\r\n` +
      'Sec-WebSocket-Version: 13\r\n' +
      '\r\n',
  );
});

// 2. Frames out (§5.2, §5.3): FIN + opcode, then the MASK bit + a 7-bit length, then a random
//    4-byte masking key, then the payload XORed with that key. A client masks every frame.
function maskedFrame(opcode: number, payload: Buffer): Buffer {
  const maskKey = randomBytes(4);
  const masked = payload.map((byte, i) => byte ^ maskKey[i % 4]!);
  return Buffer.concat([Buffer.from([0x80 | opcode, 0x80 | payload.length]), maskKey, masked]);
}
let closeSent = false;
function sendClose(code: Buffer): void {
  closeSent = true;
  socket.write(maskedFrame(CLOSE, code));
}

// 3. Bytes in. TCP carries bytes, not messages: the answer or a frame may come in two reads, and
//    two frames in one. So keep what came, and take whole pieces off the front as they complete.
let received = Buffer.alloc(0);
let open = false;
socket.on('data', (chunk: Buffer) => {
  received = Buffer.concat([received, chunk]);
  if (!open) {
    // 4. The answer (§4.1): up to the blank line, 101 Switching Protocols with the right
    //    Sec-WebSocket-Accept. Anything else, and we must not speak WebSocket to it.
    const headEnd = received.indexOf('\r\n\r\n');
    if (headEnd === -1) return; // the rest of the answer is on its way
    const head = received.subarray(0, headEnd).toString('latin1');
    const accept = /^sec-websocket-accept:[ \t]*(\S*)/im.exec(head)?.[1];
    if (!head.startsWith('HTTP/1.1 101 ') || accept !== expectedAccept) {
      console.error(`handshake failed: ${head.split('\r\n')[0]}`);
      process.exitCode = 1;
      socket.destroy();
      return;
    }
    open = true;
    received = received.subarray(headEnd + 4); // frames may follow the answer in the same read
    readLines(); // step 6
  }
  // 5. Frames in (§5.2), each whole frame in turn. A server's frames are not masked, so with a
  //    7-bit length the payload starts at byte 2.
  while (received.length >= 2) {
    const length = received[1]! & 0x7f;
    if (length > 125) {
      console.error('a frame of more than 125 bytes: the full client reads those');
      process.exitCode = 1;
      socket.destroy();
      return;
    }
    if (received.length < 2 + length) return; // the rest of this frame is on its way
    const opcode = received[0]! & 0x0f;
    const payload = received.subarray(2, 2 + length);
    received = received.subarray(2 + length);
    if (opcode === TEXT) console.log(`Received: ${payload.toString('utf8')}`);
    // §5.5.2: a ping gets a pong with the same payload. The lesson's servers ping every client on
    // a heartbeat, and cut one that never answers.
    if (opcode === PING && !closeSent) socket.write(maskedFrame(PONG, payload));
    // §5.5.1: a close frame that answers none of ours gets one back, with the same code (its
    // first two bytes). Either way the server closes TCP next (§7.1.1): step 7.
    if (opcode === CLOSE && !closeSent) sendClose(payload.subarray(0, 2));
  }
});

// 6. Each line of input is one text message (of up to 125 bytes). The end of input starts the
//    closing handshake: a close frame with 1000 (Normal Closure, the two bytes 03 e8), then we
//    wait for the server's close frame (step 5) and for the server to close TCP.
function readLines(): void {
  console.log('Connected: each line you type is sent; Ctrl+D closes.');
  const lines = createInterface({ input: process.stdin, terminal: false });
  lines.on('line', (line) => {
    const text = Buffer.from(line);
    if (text.length > 125) console.error('a line of more than 125 bytes: not sent');
    else if (!closeSent) socket.write(maskedFrame(TEXT, text));
  });
  lines.on('close', () => {
    if (!closeSent && !socket.destroyed) sendClose(Buffer.from([0x03, 0xe8]));
  });
  // 7. TCP is closed, whoever closed it: stop reading the input. With nothing left to wait for,
  //    the program ends.
  socket.on('close', () => process.stdin.destroy());
}
