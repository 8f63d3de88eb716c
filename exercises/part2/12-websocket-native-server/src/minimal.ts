// native-server, minimal: a WebSocket echo server by hand, with node:http and node:crypto alone.
//
//   pnpm --filter native-server start:minimal     listens on ws://localhost:8082/ws
//
// It answers the opening handshake and sends back each short text message it receives - and
// that is all. It does NOT handle:
//   - a frame split across two TCP reads, two frames in one read, or a frame sent along with the
//     upgrade request (it reads each chunk as exactly one frame, which holds for short messages
//     on a quiet connection, and only then);
//   - payloads over 125 bytes (the 16- and 64-bit lengths of RFC 6455 §5.2);
//   - fragmented messages, ping and pong, close frames (it never answers a close), binary;
//   - any validation: the request's method, path, headers and key, unmasked frames, RSV bits,
//     UTF-8; nor size limits, a heartbeat, backpressure or a clean shutdown.
// A frame it cannot read as one short text frame makes it cut the connection; what follows the
// first frame in a chunk is silently lost. src/main.ts does all of it.
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';

// RFC 6455 §1.3: the fixed GUID a server appends to the client's key.
const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
const port = Number(process.env.PORT ?? 8082);

// A plain HTTP request (a browser opening the URL) is told to speak WebSocket instead.
const server = createServer((_request, response) => {
  response.writeHead(426, { Upgrade: 'websocket', Connection: 'Upgrade' });
  response.end('This server speaks WebSocket at /ws.\n');
});

// A request with "Upgrade: websocket" and "Connection: Upgrade": Node hands us its socket.
server.on('upgrade', (request, socket) => {
  socket.on('error', () => {}); // a client that vanishes is not our problem here

  // RFC 6455 §4.2.2: Sec-WebSocket-Accept = base64(SHA-1(key + GUID)). It proves the server read
  // this very request: dGhlIHNhbXBsZSBub25jZQ== gives s3pPLMBiTxaQ9kYGzzhZRbK+xOo= (§1.3).
  const key = request.headers['sec-websocket-key'];
  const accept = createHash('sha1')
    .update(key + GUID)
    .digest('base64');
  socket.write(
    'HTTP/1.1 101 Switching Protocols\r\n' +
      'Upgrade: websocket\r\n' +
      'Connection: Upgrade\r\n' +
      `Sec-WebSocket-Accept: ${accept}\r\n` +
      '\r\n',
  );

  // From here on the socket carries frames, not HTTP.
  socket.on('data', (frame: Buffer) => {
    // RFC 6455 §5.2, the first two bytes: FIN (1 bit), RSV1-3 (3 bits), the opcode (4 bits);
    // then MASK (1 bit) and the payload length (7 bits).
    const fin = (frame[0]! & 0x80) !== 0;
    const opcode = frame[0]! & 0x0f;
    const masked = (frame[1]! & 0x80) !== 0;
    const length = frame[1]! & 0x7f;
    // One whole, masked text frame of at most 125 bytes (0x1 is text), or we give up.
    if (!fin || opcode !== 0x1 || !masked || length > 125 || frame.length < 6 + length) {
      socket.destroy();
      return;
    }

    // RFC 6455 §5.3: the 4-byte masking key comes next; payload byte i is XORed with key byte
    // i % 4. XORing again undoes it.
    const maskKey = frame.subarray(2, 6);
    const payload = Buffer.alloc(length);
    for (let i = 0; i < length; i++) {
      payload[i] = frame[6 + i]! ^ maskKey[i % 4]!;
    }

    // The echo: one frame the server does not mask (§5.1): 0x81 (FIN + text), the length, the
    // payload.
    socket.write(Buffer.concat([Buffer.from([0x81, length]), payload]));
  });
});

server.listen(port, 'localhost', () => {
  const { port: listeningPort } = server.address() as { port: number };
  console.log(`native-server (minimal) listening on ws://localhost:${listeningPort}/ws`);
});
