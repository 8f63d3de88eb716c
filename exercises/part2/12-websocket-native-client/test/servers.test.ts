/**
 * The client against real servers, the tests' own (test/servers.ts), started in this process: an
 * echo server built with the `ws` library, one written by hand on shared's `WebSocketProtocol`,
 * and a `ws` server that greets first. Each line typed is one text message; each message that
 * arrives is printed when it arrives. (The lesson's hand-written server is not used here: its
 * interop with `ws` clients is tested in the native-server exercise.)
 */
import { acceptKey, encodeFrame, Opcode } from 'shared';
import { describe, expect, it } from 'vitest';
import {
  CONNECTED,
  cleanUpAfterEachTest,
  rawServer,
  startClient,
  startEchoServer,
  startGreetingServer,
  startHandMadeEchoServer,
} from './helpers.ts';

cleanUpAfterEachTest();

const echoServers = [
  ['an echo server by hand (shared)', startHandMadeEchoServer],
  ['an echo server built with ws', startEchoServer],
] as const;

describe.each(echoServers)('with %s', (_name, startServer) => {
  it('sends each line as a text message and prints each echo', async () => {
    const server = await startServer();
    const client = startClient(`ws://127.0.0.1:${server.port}/ws`);
    await client.stdout.waitFor(/^Connected!/);
    client.type('first', 'second message', 'third');
    await client.stdout.waitFor(/^Received: third$/);
    expect(client.stdout.lines).toEqual([
      CONNECTED,
      'Received: first',
      'Received: second message',
      'Received: third',
    ]);
    // The server read them as text: what it logs is what was typed.
    await server.log.waitFor(/^Received: third$/);
    expect(server.log.lines.filter((line) => line.startsWith('Received'))).toEqual([
      'Received: first',
      'Received: second message',
      'Received: third',
    ]);
  });

  it('multi-byte UTF-8 arrives intact, even split across reads of the input', async () => {
    const server = await startServer();
    const client = startClient(server.url);
    await client.stdout.waitFor(/^Connected!/);
    const text = 'héllo wörld, 日本語, 🌍 and 👋🏽';
    const bytes = Buffer.from(`${text}\n`);
    // Cut inside the 4-byte globe: the input hands the client half a character first.
    const cut = bytes.indexOf(Buffer.from('🌍')) + 2;
    client.input.write(bytes.subarray(0, cut));
    client.input.write(bytes.subarray(cut));
    expect(await client.stdout.waitFor(/^Received: /)).toBe(`Received: ${text}`);
    expect(await server.log.waitFor(/^Received: /)).toBe(`Received: ${text}`);
  });

  it('a 1 MiB line goes out as one message and comes back whole, printed whole', async () => {
    const server = await startServer();
    const client = startClient(server.url);
    await client.stdout.waitFor(/^Connected!/);
    const line = 'abcdefghij'.repeat(100 * 1024).padEnd(1024 * 1024, 'z');
    client.type(line);
    // The client prints all of it; the server's log cuts it after 100 characters.
    expect(await client.stdout.waitFor(/^Received: /)).toBe(`Received: ${line}`);
    expect(await server.log.waitFor(/^Received: /)).toBe(
      `Received: ${line.slice(0, 100)}... (1048576 bytes)`,
    );
  });

  it('a 200-character line with a tab comes back whole, on one line', async () => {
    const server = await startServer();
    const client = startClient(server.url);
    await client.stdout.waitFor(/^Connected!/);
    const line = `${'0123456789'.repeat(10)}\t${'abcdefghij'.repeat(10)}`.slice(0, 200);
    client.type(line);
    expect(await client.stdout.waitFor(/^Received: /)).toBe(
      `Received: ${line.replace('\t', '\\t')}`,
    );
  });

  it('on Ctrl+C: closes with 1000, the server logs it, exit 0', async () => {
    const server = await startServer();
    const client = startClient(server.url);
    await client.stdout.waitFor(/^Connected!/);
    client.interrupt();
    expect(await client.finished).toBe(0);
    expect(client.stdout.lines).toEqual([CONNECTED, 'closed: code 1000 (Normal Closure)']);
    await server.log.waitFor(/^disconnected: .*, code 1000 \(Normal Closure\)$/);
  });

  it('when the server shuts down: prints its 1001 and exits 0', async () => {
    const server = await startServer();
    const client = startClient(server.url);
    await client.stdout.waitFor(/^Connected!/);
    await server.shutDown();
    expect(await client.finished).toBe(0);
    expect(client.output.lines).toEqual([
      CONNECTED,
      'server closed the connection: code 1001 (Going Away), reason "server shutting down"',
    ]);
  });
});

describe('with a server that greets first', () => {
  it('prints the greeting as soon as it arrives, before anything is typed', async () => {
    const server = await startGreetingServer();
    const client = startClient(`ws://127.0.0.1:${server.port}/ws`);
    // Nothing is ever typed: the greeting is printed because it came, not as an answer.
    await client.stdout.waitFor(/^Received: Hello!/);
    expect(client.stdout.lines).toEqual([CONNECTED, 'Received: Hello! Your IP is 127.0.0.1']);
    client.type('and then an echo');
    await client.stdout.waitFor(/^Received: and then an echo$/);
    await server.log.waitFor(/^Received from 127\.0\.0\.1: and then an echo$/);
  });

  it('over IPv6: ws://[::1]:PORT/ws connects from ::1', async () => {
    const server = await startGreetingServer();
    const client = startClient(`ws://[::1]:${server.port}/ws`);
    // The server names the address the connection came from: proof it went over IPv6.
    await client.stdout.waitFor(/^Received: Hello!/);
    expect(client.stdout.lines).toEqual([CONNECTED, 'Received: Hello! Your IP is ::1']);
    client.type('six');
    await server.log.waitFor(/^Received from ::1: six$/);
  });
});

describe('any host, port, path and query', () => {
  it('localhost by name works (a server on both loopback addresses)', async () => {
    const server = await startEchoServer();
    expect(server.url).toMatch(/^ws:\/\/localhost:\d+\/ws$/);
    const client = startClient(server.url);
    client.type('by name');
    await client.stdout.waitFor(/^Received: by name$/);
  });

  it('the upgrade request asks for the path and query, with a Host header and a fresh key', async () => {
    const requests: string[] = [];
    const url = await rawServer((server) => {
      requests.push(server.request);
      server.socket.destroy();
    });
    const port = new URL(url).port;
    const target = `ws://127.0.0.1:${port}/chat/room?name=a%20b&n=1`;
    for (let i = 0; i < 2; i++) await startClient(target).finished;

    const [first = '', second = ''] = requests;
    const lines = first.split('\r\n');
    expect(lines[0]).toBe('GET /chat/room?name=a%20b&n=1 HTTP/1.1');
    expect(lines).toContain(`Host: 127.0.0.1:${port}`);
    expect(lines).toContain('Upgrade: websocket');
    expect(lines).toContain('Connection: Upgrade');
    expect(lines).toContain('Sec-WebSocket-Version: 13');
    // RFC 6455 §4.1: the key is 16 random bytes, base64-encoded; a new one for each connection.
    const keyOf = (request: string) => /^Sec-WebSocket-Key: (\S+)$/m.exec(request)?.[1] ?? '';
    expect(Buffer.from(keyOf(first), 'base64')).toHaveLength(16);
    expect(keyOf(first)).toMatch(/^[A-Za-z0-9+/]{22}==$/);
    expect(keyOf(second)).not.toBe(keyOf(first));
  });
});

describe('messages as they come, not in lock-step', () => {
  it('prints a message the server sends first, and every reply to one line', async () => {
    const url = await rawServer((server) => {
      server.write(encodeFrame({ opcode: Opcode.Text, payload: Buffer.from('welcome') }));
      void (async () => {
        const event = await server.next();
        if (event?.type !== 'text') return;
        for (const reply of ['one', 'two', 'three']) {
          server.write(encodeFrame({ opcode: Opcode.Text, payload: Buffer.from(reply) }));
        }
      })();
    });
    const client = startClient(url);
    await client.stdout.waitFor(/^Received: welcome$/);
    client.type('go');
    await client.stdout.waitFor(/^Received: three$/);
    expect(client.stdout.lines).toEqual([
      CONNECTED,
      'Received: welcome',
      'Received: one',
      'Received: two',
      'Received: three',
    ]);
  });

  it('prints a binary message as its size and all its bytes in hex', async () => {
    const url = await rawServer((server) => {
      server.write(
        encodeFrame({ opcode: Opcode.Binary, payload: Buffer.from([1, 2, 0xab, 0xff, 0]) }),
        encodeFrame({ opcode: Opcode.Binary, payload: Buffer.from([...Array(20).keys()]) }),
        encodeFrame({ opcode: Opcode.Binary, payload: Buffer.alloc(0) }),
      );
    });
    const client = startClient(url);
    await client.stdout.waitFor(/^Received: 0 bytes/);
    expect(client.stdout.lines).toEqual([
      CONNECTED,
      'Received: 5 bytes (binary): 01 02 ab ff 00',
      'Received: 20 bytes (binary): 00 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f 10 11 12 13',
      'Received: 0 bytes (binary): ',
    ]);
  });
});

describe('messages printed whole, each on one line', () => {
  it('long text, text with control characters, long binary: all of it, escaped', async () => {
    const long = '0123456789'.repeat(20); // 200 characters
    const binary = Buffer.from(Array.from({ length: 300 }, (_, i) => i % 256));
    const url = await rawServer((server) => {
      server.write(
        encodeFrame({ opcode: Opcode.Text, payload: Buffer.from(long) }),
        encodeFrame({ opcode: Opcode.Text, payload: Buffer.from('one\ntwo\tthree') }),
        // ESC could move the terminal's cursor or change its colours; BEL, DEL and C1 are controls too.
        encodeFrame({ opcode: Opcode.Text, payload: Buffer.from('\u001b[2J\u0007\u007f\u009b!') }),
        encodeFrame({ opcode: Opcode.Binary, payload: binary }),
      );
    });
    const client = startClient(url);
    await client.stdout.waitFor(/^Received: 300 bytes/);
    expect(client.stdout.lines).toEqual([
      CONNECTED,
      `Received: ${long}`,
      'Received: one\\ntwo\\tthree',
      'Received: \\u001b[2J\\u0007\\u007f\\u009b!',
      `Received: 300 bytes (binary): ${binary.toString('hex').replace(/(..)(?!$)/g, '$1 ')}`,
    ]);
  });
});

describe('--trace', () => {
  it('prints the handshake and every frame, << out and >> in', async () => {
    const server = await startEchoServer();
    const client = startClient(`ws://127.0.0.1:${server.port}/ws`, { trace: true });
    await client.stdout.waitFor(/^Connected!/);
    client.type('Hello');
    await client.stdout.waitFor(/^Received: Hello$/);
    client.input.end();
    expect(await client.finished).toBe(0);

    const lines = client.stdout.lines;
    const key = /^<< Sec-WebSocket-Key: (\S+)$/.exec(lines[4] ?? '')?.[1] ?? 'no key';
    expect(lines.slice(0, 6)).toEqual([
      '<< GET /ws HTTP/1.1',
      `<< Host: 127.0.0.1:${server.port}`,
      '<< Upgrade: websocket',
      '<< Connection: Upgrade',
      `<< Sec-WebSocket-Key: ${key}`,
      '<< Sec-WebSocket-Version: 13',
    ]);
    const answer = lines.slice(6, lines.indexOf(CONNECTED));
    expect(answer[0]).toBe('>> HTTP/1.1 101 Switching Protocols');
    expect(answer).toContain(`>> sec-websocket-accept: ${acceptKey(key)}`);

    const frames = lines
      .slice(lines.indexOf(CONNECTED) + 1)
      .filter((line) => /^(<<|>>) /.test(line));
    expect(frames).toHaveLength(4);
    // What the client sends is masked, each frame with its own key; what it receives is not.
    expect(frames.filter((line) => line.startsWith('<<'))).toEqual([
      expect.stringMatching(
        /^<< FIN=1 RSV=000 opcode=TEXT\(0x1\) MASK=1 key=[0-9a-f]{8} len=5 "Hello"$/,
      ),
      expect.stringMatching(
        /^<< FIN=1 RSV=000 opcode=CLOSE\(0x8\) MASK=1 key=[0-9a-f]{8} len=2 code=1000 \(Normal Closure\) reason=""$/,
      ),
    ]);
    expect(frames.filter((line) => line.startsWith('>>'))).toEqual([
      '>> FIN=1 RSV=000 opcode=TEXT(0x1) MASK=0 len=5 "Hello"',
      '>> FIN=1 RSV=000 opcode=CLOSE(0x8) MASK=0 len=2 code=1000 (Normal Closure) reason=""',
    ]);
  });

  it('without it, nothing but the messages', async () => {
    const server = await startEchoServer();
    const client = startClient(server.url);
    await client.stdout.waitFor(/^Connected!/);
    client.type('quiet');
    await client.stdout.waitFor(/^Received: quiet$/);
    client.input.end();
    expect(await client.finished).toBe(0);
    expect(client.output.lines).toEqual([
      CONNECTED,
      'Received: quiet',
      'closed: code 1000 (Normal Closure)',
    ]);
  });
});
