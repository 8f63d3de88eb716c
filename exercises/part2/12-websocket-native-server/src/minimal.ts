// native-server, minimal: a WebSocket echo server by hand, with node:http and node:crypto alone.
//
//   pnpm --filter native-server start:minimal     listens on ws://localhost:8082/ws
//
// It answers the opening handshake, reads frames out of the stream of bytes TCP delivers (two
// frames in one read, one frame across two reads), and sends back each short text message - and
// that is all. It does NOT handle:
//   - payloads over 125 bytes (the 16- and 64-bit lengths of RFC 6455 §5.2);
//   - fragmented messages, ping and pong, close frames (it never answers a close), binary;
//   - any validation: the request's method, path, headers and key, unmasked frames, RSV bits,
//     UTF-8; nor a heartbeat, backpressure or a clean shutdown.
// A frame that is not one short, masked text frame makes it cut the connection, without a close
// frame. src/main.ts does all of it.
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

// A request with "Upgrade: websocket" and "Connection: Upgrade": Node hands us its socket, and
// `head`, any bytes the client sent right after its request.
server.on('upgrade', (request, socket, head) => {
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

  // From here on the socket carries frames, not HTTP. TCP delivers bytes, cut anywhere: one read
  // may hold two frames, or half of one. So keep what has arrived, take every whole frame from
  // its front, and leave the rest for the next read. What waits is at most one unfinished
  // frame: 2 + 4 + 125 bytes.
  let received = Buffer.alloc(0);
  const receive = (chunk: Buffer) => {
    received = Buffer.concat([received, chunk]);
    while (received.length >= 2) {
      // RFC 6455 §5.2, the first two bytes: FIN (1 bit), RSV1-3 (3 bits), the opcode (4 bits);
      // then MASK (1 bit) and the payload length (7 bits).
      const fin = (received[0]! & 0x80) !== 0;
      const opcode = received[0]! & 0x0f;
      const masked = (received[1]! & 0x80) !== 0;
      const length = received[1]! & 0x7f;
      // A whole, masked text frame of at most 125 bytes (0x1 is text), or we give up.
      if (!fin || opcode !== 0x1 || !masked || length > 125) {
        socket.destroy();
        return;
      }
      const frameLength = 2 + 4 + length; // the header, the masking key, the payload
      if (received.length < frameLength) return; // the rest of this frame is still coming

      // RFC 6455 §5.3: the 4-byte masking key comes next; payload byte i is XORed with key byte
      // i % 4. XORing again undoes it.
      const maskKey = received.subarray(2, 6);
      const payload = Buffer.alloc(length);
      for (let i = 0; i < length; i++) {
        payload[i] = received[6 + i]! ^ maskKey[i % 4]!;
      }

      // The echo: one frame the server does not mask (§5.1): 0x81 (FIN + text), the length, the
      // payload.
      socket.write(Buffer.concat([Buffer.from([0x81, length]), payload]));
      received = received.subarray(frameLength); // the next frame starts here
    }
  };
  receive(head); // the bytes that came with the request first, then the socket's
  socket.on('data', receive);
});

server.listen(port, 'localhost', () => {
  const { port: listeningPort } = server.address() as { port: number };
  console.log(`native-server (minimal) listening on ws://localhost:${listeningPort}/ws`);
});
