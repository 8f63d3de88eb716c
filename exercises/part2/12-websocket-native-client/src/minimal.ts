// native-client at its smallest: one WebSocket conversation written out by hand on node:net, as
// RFC 6455 lays it out. It opens the connection, sends "Hello", prints the one message that comes
// back, and closes.
//
//   pnpm --filter native-client start:minimal                      ws://localhost:8082/ws
//   pnpm --filter native-client start:minimal ws://localhost:8080/ws
//
// What it does not handle, and src/main.ts does: an answer or a frame split across two reads (or
// two frames in one read), lengths over 125 bytes (the 16- and 64-bit forms), fragmented
// messages, pings, binary messages, a server that closes first, any check of the server's frames
// (masking, opcodes, UTF-8), IPv6 addresses ([::1]), wss:// (TLS), time limits, Ctrl+C,
// failures in one line, and escaping what the server sent before printing it (a server that
// sends ESC [2J clears the screen).
import { createHash, randomBytes } from 'node:crypto';
import { connect } from 'node:net';

const url = new URL(process.argv[2] ?? 'ws://localhost:8082/ws');
if (url.protocol !== 'ws:') {
  console.error(
    'only ws:// URLs here; for wss://, run the full client: pnpm --filter native-client start',
  );
  process.exit(2);
}
const socket = connect({ host: url.hostname, port: Number(url.port) || 80 });

// RFC 6455 §4.1: the opening handshake is an HTTP request that carries a key, 16 random bytes in
// base64. The server proves it read this very request by answering base64(SHA-1(key + GUID)).
const key = randomBytes(16).toString('base64');
const expectedAccept = createHash('sha1')
  .update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`)
  .digest('base64');

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

// RFC 6455 §5.2 and §5.3: a client's frame is FIN + opcode, then the MASK bit + a 7-bit length,
// then a random 4-byte masking key, then the payload XORed with that key.
function maskedFrame(opcode: number, payload: Buffer): Buffer {
  const maskKey = randomBytes(4);
  const masked = payload.map((byte, i) => byte ^ maskKey[i % 4]!);
  return Buffer.concat([Buffer.from([0x80 | opcode, 0x80 | payload.length]), maskKey, masked]);
}

let state: 'handshake' | 'open' | 'closing' = 'handshake';

socket.on('data', (chunk: Buffer) => {
  let bytes = chunk;
  if (state === 'handshake') {
    // §4.1: the answer must be 101 Switching Protocols, with the right Sec-WebSocket-Accept.
    const headEnd = bytes.indexOf('\r\n\r\n');
    const [statusLine = '', ...headers] = bytes
      .subarray(0, headEnd)
      .toString('latin1')
      .split('\r\n');
    const accepted = headers.some((line) => {
      const [name = '', value = ''] = line.split(':');
      return (
        name.trim().toLowerCase() === 'sec-websocket-accept' && value.trim() === expectedAccept
      );
    });
    if (headEnd === -1 || !statusLine.startsWith('HTTP/1.1 101 ') || !accepted) {
      console.error(`handshake failed: ${statusLine}`);
      process.exitCode = 1;
      socket.destroy();
      return;
    }
    state = 'open';
    socket.write(maskedFrame(0x1, Buffer.from('Hello'))); // opcode 0x1: a text frame
    bytes = bytes.subarray(headEnd + 4); // a server may send a message right after its answer
    if (bytes.length === 0) return;
  }
  if (state === 'open') {
    // §5.2: a server's frame is not masked, so with a 7-bit length the payload starts at byte 2.
    const length = bytes[1]! & 0x7f;
    console.log(`Received: ${bytes.subarray(2, 2 + length).toString('utf8')}`);
    // §5.5.1: a close frame (opcode 0x8) starts with a 2-byte status code: 1000, Normal Closure.
    const code = Buffer.alloc(2);
    code.writeUInt16BE(1000);
    socket.write(maskedFrame(0x8, code));
    state = 'closing';
  }
  // 'closing': what comes now is the server's close frame, the answer to ours (§5.5.1). The server
  // then closes TCP (§7.1.1); Node ends our side in reply, and with nothing left, the program ends.
});
