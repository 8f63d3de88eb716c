import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import {
  acceptResponse,
  controlCharactersIn,
  encodeFrame,
  freePort,
  Opcode,
  spawnProgram,
  startScriptedServer,
} from 'support/testing';
import { afterEach, describe, expect, it } from 'vitest';
import type { WebSocket } from 'ws';
import { echo, startServer } from './servers.ts';

const packageDir = fileURLToPath(new URL('..', import.meta.url));

// What each test started, undone after it whether it passed or not.
let cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  cleanups = [];
});

/** The client program, as `pnpm --filter client start ...args` runs it; `finished`: its exit code. */
function runClient(...args: string[]) {
  const program = spawnProgram(packageDir, args);
  cleanups.push(() => program.child.kill('SIGKILL'));
  return { ...program, finished: program.exited.then((exit) => exit.code) };
}

/** An echo server made with `ws` (test/servers.ts), with a log of the closes it saw. */
async function startEchoServer() {
  const server = await startServer(echo);
  cleanups.push(server.stop);
  return server;
}

/** A well-behaved server built with `ws` that does whatever `onConnection` says. */
async function startWsServer(onConnection: (ws: WebSocket) => void) {
  const server = await startServer(onConnection);
  cleanups.push(server.stop);
  return server.url;
}

/** A hand-made server (see startScriptedServer), closed after the test; resolves with its URL. */
async function scripted(onRequest: Parameters<typeof startScriptedServer>[0]) {
  const server = await startScriptedServer(onRequest);
  cleanups.push(() => server.close());
  return server.url;
}

const hello = /^Received: Hello at (\S+)$/;

describe('with an echo server', () => {
  it('with --count 3 --interval 20 prints three echoes, closes with 1000 and exits 0', async () => {
    const echo = await startEchoServer();
    const client = runClient(echo.url, '--count', '3', '--interval', '20');
    expect(await client.finished).toBe(0);

    const [connected, ...rest] = client.output.lines;
    expect(connected).toBe(`Connected to ${echo.url}`);
    const received = rest.slice(0, 3);
    expect(received).toHaveLength(3);
    const times = received.map((line) => hello.exec(line)?.[1] ?? 'not a hello');
    // Real ISO-8601 times, as toISOString() writes them...
    for (const time of times) expect(new Date(time).toISOString()).toBe(time);
    // ...and with --interval 20, three hellos in far less than the default second each.
    expect(Date.parse(times[2] ?? '') - Date.parse(times[0] ?? '')).toBeLessThan(1000);
    expect(rest.slice(3)).toEqual([
      'Closing: code 1000 (Normal Closure), reason "received 3 messages"',
      'Closed: the server answered with code 1000 (Normal Closure), reason "received 3 messages"',
    ]);
    await echo.log.waitFor(/^disconnected: code 1000 \(Normal Closure\)/);
  });

  it('says hello as soon as it is connected', async () => {
    const echo = await startEchoServer();
    // With a minute between hellos, only the first one can come back in time.
    const client = runClient(echo.url, '--count', '1', '--interval', '60000');
    expect(await client.finished).toBe(0);
    expect(client.output.lines.filter((line) => hello.test(line))).toHaveLength(1);
  });

  it.each(['SIGINT', 'SIGTERM'] as const)(
    'on %s closes with 1000, waits for the answer and exits 0',
    async (signal) => {
      const echo = await startEchoServer();
      const client = runClient(echo.url, '--interval', '20');
      await client.output.waitFor(hello);
      client.child.kill(signal);
      expect(await client.finished).toBe(0);
      await echo.log.waitFor(
        new RegExp(
          `^disconnected: code 1000 \\(Normal Closure\\), reason "stopped with ${signal}"`,
        ),
      );
      expect(client.output.lines.at(-1)).toBe(
        `Closed: the server answered with code 1000 (Normal Closure), reason "stopped with ${signal}"`,
      );
    },
  );

  it('when the server shuts down, says so and exits 0', async () => {
    const echo = await startEchoServer();
    const client = runClient(echo.url, '--interval', '20');
    await client.output.waitFor(hello);
    await echo.shutDown();
    expect(await client.finished).toBe(0);
    expect(client.output.lines.at(-1)).toBe(
      'server closed the connection: code 1001 (Going Away), reason "server shutting down"',
    );
  });

  it('refused upgrade (wrong path): says the status in one line and exits 1', async () => {
    const echo = await startEchoServer();
    const client = runClient(`ws://localhost:${echo.port}/nope`);
    expect(await client.finished).toBe(1);
    expect(client.output.lines).toEqual(['server refused the WebSocket upgrade: 404 Not Found']);
  });
});

describe('with other servers', () => {
  it('prints messages as they arrive, binary ones as size and bytes, without waiting for its own', async () => {
    // This server never answers: it sends two messages of its own as soon as the client connects.
    const url = await startWsServer((ws) => {
      ws.send(Buffer.from([1, 2, 3, 4, 5]));
      ws.send('welcome');
    });
    const client = runClient(url, '--count', '2', '--interval', '60000');
    expect(await client.finished).toBe(0);
    expect(client.output.lines.slice(1, 3)).toEqual([
      'Received: 5 bytes (binary): 01 02 03 04 05',
      'Received: welcome',
    ]);
  });

  it('prints each message whole, on one line: 200 characters, a newline and a tab, 300 bytes', async () => {
    const long = '0123456789'.repeat(20); // 200 characters
    const binary = Buffer.from(Array.from({ length: 300 }, (_, i) => i % 256));
    const url = await startWsServer((ws) => {
      ws.send(long);
      ws.send('first line\nsecond\tline');
      ws.send(binary);
    });
    const client = runClient(url, '--count', '3', '--interval', '60000');
    expect(await client.finished).toBe(0);
    // The program's real stdout, split at each newline: one line per message, control
    // characters escaped as JSON.stringify writes them.
    expect(client.output.lines.slice(1, 4)).toEqual([
      `Received: ${long}`,
      'Received: first line\\nsecond\\tline',
      `Received: 300 bytes (binary): ${binary.toString('hex').replace(/(..)(?!$)/g, '$1 ')}`,
    ]);
  });

  it('keeps saying hello on its timer, answered or not', async () => {
    // This server never answers; after the third hello it ends the conversation.
    const url = await startWsServer((ws) => {
      let hellos = 0;
      ws.on('message', () => {
        hellos += 1;
        if (hellos === 3) ws.close(1000, 'three hellos');
      });
    });
    const client = runClient(url, '--interval', '20');
    expect(await client.finished).toBe(0);
    expect(client.output.lines).toEqual([
      `Connected to ${url}`,
      'server closed the connection: code 1000 (Normal Closure), reason "three hellos"',
    ]);
  });

  it('when the server closes without a code (1005), says so and exits 0', async () => {
    // ws.close() with no code sends a close frame with an empty payload: a clean close that
    // gives no reason (RFC 6455 §7.1.5 calls its code 1005).
    const url = await startWsServer((ws) => ws.close());
    const client = runClient(url);
    expect(await client.finished).toBe(0);
    expect(client.output.lines).toEqual([
      `Connected to ${url}`,
      'server closed the connection: code 1005 (No Status Received)',
    ]);
  });

  it('when the server closes with an error code, says so and exits 1', async () => {
    const url = await startWsServer((ws) => ws.close(1011, 'something broke'));
    const client = runClient(url);
    expect(await client.finished).toBe(1);
    expect(client.output.lines.at(-1)).toBe(
      'server closed the connection: code 1011 (Internal Error), reason "something broke"',
    );
  });

  it('cuts the connection and still exits 0 when the server never answers its close', async () => {
    const url = await scripted((socket, key) => {
      // Handshake, one message, then deaf: the client's close frame gets no answer.
      socket.write(acceptResponse(key));
      socket.write(encodeFrame({ opcode: Opcode.Text, payload: Buffer.from('hi') }));
    });
    const client = runClient(url, '--count', '1', '--interval', '60000');
    expect(await client.finished).toBe(0);
    expect(client.output.lines.slice(1)).toEqual([
      'Received: hi',
      'Closing: code 1000 (Normal Closure), reason "received 1 message"',
      'Closed: no answer within 2000 ms, connection cut',
    ]);
  });
});

describe('failures, in one line', () => {
  it('cannot connect: says why and exits 1', async () => {
    const port = await freePort();
    const url = `ws://127.0.0.1:${port}/ws`;
    const client = runClient(url);
    expect(await client.finished).toBe(1);
    expect(client.output.lines).toEqual([`cannot connect to ${url}: connection refused`]);
  });

  it('connection dropped without a close frame: says 1006 and exits 1', async () => {
    const url = await scripted((socket, key) => {
      socket.write(acceptResponse(key));
      socket.once('data', () => socket.destroy()); // the first hello arrives: hang up
    });
    const client = runClient(url);
    expect(await client.finished).toBe(1);
    expect(client.output.lines).toEqual([
      `Connected to ${url}`,
      'connection lost without a close frame (1006)',
    ]);
  });

  it('handshake never answered: gives up after --timeout and exits 1', async () => {
    const url = await scripted(() => {}); // reads the request, never answers
    const client = runClient(url, '--timeout', '200');
    expect(await client.finished).toBe(1);
    expect(client.output.lines).toEqual([
      `cannot connect to ${url}: no WebSocket handshake within 200 ms`,
    ]);
  });

  it('a server that floods pings and never reads: ws cuts it, exit 1', async () => {
    // Each ping asks for a pong. ws counts the pongs whose write has not completed yet and, at
    // a ping that finds 60 of them (its maxPendingAutoPongs), terminates the connection: what
    // the client holds stays bounded. A write completes only after the read that asked for it
    // is handled, so 61 pings in one read are enough, whether the server reads or not. ws does
    // not say why; the client sees a connection that ended without a close frame.
    const ping = encodeFrame({ opcode: Opcode.Ping, payload: Buffer.alloc(125, 0x70) });
    const pings = Buffer.concat(Array(512).fill(ping));
    const url = await scripted((socket, key) => {
      socket.pause(); // never read
      socket.write(acceptResponse(key));
      const pump = () => {
        while (!socket.destroyed && socket.write(pings)) {}
      };
      socket.on('drain', pump);
      pump();
    });
    const client = runClient(url, '--interval', '60000');
    expect(await client.finished).toBe(1);
    expect(client.output.lines).toEqual([
      `Connected to ${url}`,
      'connection lost without a close frame (1006)',
    ]);
  });

  it('a frame that breaks the protocol: says what ws found and exits 1', async () => {
    const url = await scripted((socket, key) => {
      socket.write(acceptResponse(key));
      socket.write(Buffer.from([0x83, 0x00])); // opcode 3 is reserved (RFC 6455 §5.2)
    });
    const client = runClient(url);
    expect(await client.finished).toBe(1);
    expect(client.output.lines.at(-1)).toBe(
      'the connection failed: Invalid WebSocket frame: invalid opcode 3',
    );
  });

  it.each([
    [['http://localhost:8080/ws'], 'a WebSocket URL starts with ws:// or wss://, not "http:"'],
    [['localhost:8080'], 'a WebSocket URL starts with ws:// or wss://, not "localhost:"'],
    [['not a url'], '"not a url" is not a URL; try ws://localhost:8080/ws'],
    [['--count', 'three'], '--count must be a positive whole number, not "three"'],
  ])('bad command line %j: exits 2', async (args, line) => {
    const client = runClient(...args);
    expect(await client.finished).toBe(2);
    expect(client.output.lines).toEqual([line]);
  });
});

describe('a hostile server cannot write to the terminal', () => {
  // ESC [2J clears the screen and ESC [1;31m paints red; U+009B is CSI in one character (what
  // ESC [ is in two, on terminals that take 8-bit controls); DEL; ESC ] 0;...BEL retitles the window.
  const HOSTILE = '\x1b[2J\x1b[1;31mFAKE\u009b2J\x7f\x1b]0;owned\x07';
  // The same, as every line shows it: each control character as a JSON-style escape.
  const ESCAPED = '\\u001b[2J\\u001b[1;31mFAKE\\u009b2J\\u007f\\u001b]0;owned\\u0007';

  /** All the program writes to stdout and stderr, as the terminal would get it. */
  function bytesWritten(child: ChildProcess): () => string {
    const chunks: Buffer[] = [];
    child.stdout?.on('data', (chunk: Buffer) => chunks.push(chunk));
    child.stderr?.on('data', (chunk: Buffer) => chunks.push(chunk));
    return () => Buffer.concat(chunks).toString('utf8');
  }

  it('its status line, in the one error line: escaped', async () => {
    // Bytes as they go over the wire: latin1 keeps U+009B one byte, 0x9b, as a raw server sends
    // it. Node reads a status line as latin1, so it arrives as U+009B again.
    const url = await scripted((socket) => {
      socket.end(
        Buffer.from(
          `HTTP/1.1 403 ${HOSTILE}\r\nX-Evil: ab\u009bcd\r\nContent-Length: 0\r\n\r\n`,
          'latin1',
        ),
      );
    });
    const client = runClient(url);
    const written = bytesWritten(client.child);
    expect(await client.finished).toBe(1);
    expect(controlCharactersIn(written(), true)).toEqual([]);
    expect(client.output.lines).toEqual([`server refused the WebSocket upgrade: 403 ${ESCAPED}`]);
  });

  it('a text message and a close reason: escaped', async () => {
    const url = await scripted((socket, key) => {
      socket.write(acceptResponse(key));
      socket.write(encodeFrame({ opcode: Opcode.Text, payload: Buffer.from(HOSTILE) }));
      const close = Buffer.concat([Buffer.from([0x03, 0xe8]), Buffer.from(HOSTILE)]); // 1000
      socket.write(encodeFrame({ opcode: Opcode.Close, payload: close }));
    });
    const client = runClient(url, '--interval', '60000');
    const written = bytesWritten(client.child);
    expect(await client.finished).toBe(0);
    expect(controlCharactersIn(written(), true)).toEqual([]);
    expect(client.output.lines).toEqual([
      `Connected to ${url}`,
      `Received: ${ESCAPED}`,
      `server closed the connection: code 1000 (Normal Closure), reason "${ESCAPED}"`,
    ]);
  });
});
