/**
 * The client as a real program (src/main.ts through tsx, as `pnpm --filter native-client start`
 * runs it): stdin from a pipe, signals, and the exit code it leaves for the shell.
 */
import type { ChildProcess } from 'node:child_process';
import { acceptResponse, encodeFrame, Opcode } from 'shared';
import { controlCharactersIn } from 'support/testing';
import { describe, expect, it } from 'vitest';
import {
  CONNECTED,
  cleanUpAfterEachTest,
  closePayload,
  rawServer,
  scripted,
  startEchoServer,
  startProgram,
} from './helpers.ts';

cleanUpAfterEachTest();

describe('without a terminal: stdin from a pipe', () => {
  it("printf 'a\\nb\\n' | native-client URL: both echoes, close 1000, exit 0", async () => {
    const server = await startEchoServer();
    const client = startProgram(`ws://127.0.0.1:${server.port}/ws`);
    client.child.stdin?.end('a\nb\n');
    expect(await client.finished).toBe(0);
    expect(client.output.lines).toEqual([
      CONNECTED,
      'Received: a',
      'Received: b',
      'closed: code 1000 (Normal Closure)',
    ]);
    await server.log.waitFor(/^disconnected: 127\.0\.0\.1:\d+, code 1000 \(Normal Closure\)$/);
    expect(server.log.lines.filter((line) => line.startsWith('Received'))).toEqual([
      'Received: a',
      'Received: b',
    ]);
  });
});

describe('what arrives is printed whole, one line per message', () => {
  it('200 characters, a newline and a tab, 300 bytes of binary', async () => {
    const long = 'abcdefghij'.repeat(20); // 200 characters
    const binary = Buffer.alloc(300, 0xab);
    const url = await rawServer((server) => {
      server.write(
        encodeFrame({ opcode: Opcode.Text, payload: Buffer.from(long) }),
        encodeFrame({ opcode: Opcode.Text, payload: Buffer.from('first line\nsecond\tline') }),
        encodeFrame({ opcode: Opcode.Binary, payload: binary }),
        encodeFrame({ opcode: Opcode.Close, payload: closePayload(1000) }),
      );
      void server.nextClose().then(() => server.socket.end());
    });
    const client = startProgram(url);
    expect(await client.finished).toBe(0);
    // The program's real stdout, split at each newline: one line per message.
    expect(client.output.lines).toEqual([
      CONNECTED,
      `Received: ${long}`,
      'Received: first line\\nsecond\\tline',
      `Received: 300 bytes (binary): ${Array(300).fill('ab').join(' ')}`,
      'server closed the connection: code 1000 (Normal Closure)',
    ]);
  });
});

describe('signals, with stdin left open', () => {
  it.each(['SIGINT', 'SIGTERM'] as const)(
    '%s: close 1000, waits for the answer, exit 0',
    async (signal) => {
      const server = await startEchoServer();
      const client = startProgram(server.url);
      client.child.stdin?.write('still here\n');
      await client.output.waitFor(/^Received: still here$/);
      client.child.kill(signal);
      expect(await client.exited).toEqual({ code: 0, signal: null });
      expect(client.output.lines.at(-1)).toBe('closed: code 1000 (Normal Closure)');
      await server.log.waitFor(/^disconnected: .*, code 1000 \(Normal Closure\)$/);
    },
  );

  it('a server that never answers the close: exit 0 all the same, after 2 s', async () => {
    let close: Promise<{ code: number }> | undefined;
    const url = await rawServer((server) => {
      void (async () => {
        // One echo, so the test knows the client is past its start; then deaf to the close.
        if ((await server.next())?.type !== 'text') return;
        server.write(encodeFrame({ opcode: Opcode.Text, payload: Buffer.from('hi') }));
        close = server.nextClose();
      })();
    });
    const client = startProgram(url);
    client.child.stdin?.write('hi\n');
    await client.output.waitFor(/^Received: hi$/);
    const stoppedAt = Date.now();
    client.child.kill('SIGINT');
    expect(await client.finished).toBe(0);
    expect(Date.now() - stoppedAt).toBeGreaterThanOrEqual(1900);
    expect(client.output.lines).toEqual([
      CONNECTED,
      'Received: hi',
      'the server did not answer the close; closing anyway',
    ]);
    expect(await close).toMatchObject({ code: 1000 });
  });
});

describe('the exit code', () => {
  it('the server shuts down (1001): exit 0', async () => {
    const server = await startEchoServer();
    const client = startProgram(server.url);
    await client.output.waitFor(/^Connected!/);
    await server.shutDown();
    expect(await client.finished).toBe(0);
    expect(client.output.lines.at(-1)).toBe(
      'server closed the connection: code 1001 (Going Away), reason "server shutting down"',
    );
  });

  it('the server closes without a code (1005): exit 0', async () => {
    const url = await rawServer((server) => {
      server.write(encodeFrame({ opcode: Opcode.Close, payload: Buffer.alloc(0) }));
      void server.nextClose().then(() => server.socket.end());
    });
    const client = startProgram(url);
    expect(await client.finished).toBe(0);
    expect(client.output.lines).toEqual([
      CONNECTED,
      'server closed the connection: code 1005 (No Status Received)',
    ]);
  });

  it('the server closes with 4000: exit 1', async () => {
    const url = await rawServer((server) => {
      server.write(encodeFrame({ opcode: Opcode.Close, payload: closePayload(4000, 'kicked') }));
      void server.nextClose().then(() => server.socket.end());
    });
    const client = startProgram(url);
    expect(await client.finished).toBe(1);
    expect(client.output.lines).toEqual([
      CONNECTED,
      'server closed the connection: code 4000 (private use), reason "kicked"',
    ]);
  });

  it('the connection is lost (1006): exit 1', async () => {
    const url = await rawServer((server) => server.socket.destroy());
    const client = startProgram(url);
    expect(await client.finished).toBe(1);
    expect(client.output.lines).toEqual([
      CONNECTED,
      'connection lost without a close frame (1006)',
    ]);
  });

  it('the server breaks the protocol: exit 1', async () => {
    const url = await rawServer((server) => {
      server.write(Buffer.from([0x83, 0x00])); // opcode 3 is reserved
      void server.nextClose().then(() => server.socket.end());
    });
    const client = startProgram(url);
    expect(await client.finished).toBe(1);
    expect(client.output.lines).toEqual([
      CONNECTED,
      'protocol error: reserved opcode 0x3; closing with 1002 (Protocol Error)',
    ]);
  });

  it('the handshake fails (the server has no /chat): one line, exit 1', async () => {
    const server = await startEchoServer();
    const client = startProgram(`ws://127.0.0.1:${server.port}/chat`);
    expect(await client.finished).toBe(1);
    expect(client.output.lines).toEqual(['handshake failed: server answered 404 Not Found']);
  });

  it('the handshake never completes: --timeout 300, exit 1', async () => {
    const url = await scripted(() => {});
    const client = startProgram(url, '--timeout', '300');
    expect(await client.finished).toBe(1);
    expect(client.output.lines).toEqual(['handshake failed: no answer within 0.3 s']);
  });

  it.each([
    [['http://localhost:8082/ws'], 'a WebSocket URL starts with ws:// or wss://, not "http:"'],
    [['--timeout', 'soon'], '--timeout must be a positive whole number, not "soon"'],
    [['ws://a/ws', 'ws://b/ws'], 'expected one URL, got 2: ws://a/ws ws://b/ws'],
  ])('a mistake on the command line %j: one line, exit 2', async (args, line) => {
    const client = startProgram(...args);
    expect(await client.finished).toBe(2);
    expect(client.output.lines).toEqual([line]);
  });
});

describe('wss:// is TLS, never plaintext', () => {
  it('a wss:// URL is never spoken in plaintext', async () => {
    // Whatever the client does with wss:// - refuse it, or one day speak TLS - the upgrade
    // request, and the messages after it, must not cross the network readable by anyone.
    const requests: string[] = [];
    const url = await scripted((socket, _key, request) => {
      requests.push(request);
      socket.destroy();
    });
    const client = startProgram(url.replace(/^ws:/, 'wss:'), '--timeout', '1000');
    const code = await client.finished;
    expect(requests, 'what arrived in plaintext').toEqual([]);
    expect(code).not.toBe(0);
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

  it('its status line and headers, with --trace and in the error line: escaped', async () => {
    // Bytes as they go over the wire: latin1 keeps U+009B one byte, 0x9b, as a raw server sends it.
    const url = await scripted((socket) => {
      socket.end(
        Buffer.from(
          `HTTP/1.1 403 ${HOSTILE}\r\nX-Evil: ${HOSTILE}\r\nContent-Length: 0\r\n\r\n`,
          'latin1',
        ),
      );
    });
    const client = startProgram(url, '--trace');
    const written = bytesWritten(client.child);
    expect(await client.finished).toBe(1);
    expect(controlCharactersIn(written(), true)).toEqual([]);
    expect(client.output.lines).toContain(`>> HTTP/1.1 403 ${ESCAPED}`);
    expect(client.output.lines).toContain(`>> x-evil: ${ESCAPED}`);
    expect(client.output.lines.at(-1)).toBe(`handshake failed: server answered 403 ${ESCAPED}`);
  });

  it('a header after a 101, a text message and a close reason, with --trace: escaped', async () => {
    const url = await rawServer(
      (server) => {
        server.write(
          encodeFrame({ opcode: Opcode.Text, payload: Buffer.from(HOSTILE) }),
          encodeFrame({ opcode: Opcode.Close, payload: closePayload(1000, HOSTILE) }),
        );
        void server.nextClose().then(() => server.socket.end());
      },
      // A correct 101 with one more header line before the blank line.
      (key) => `${acceptResponse(key).slice(0, -2)}X-Evil: ${HOSTILE}\r\n\r\n`,
    );
    const client = startProgram(url, '--trace');
    const written = bytesWritten(client.child);
    expect(await client.finished).toBe(0);
    expect(controlCharactersIn(written(), true)).toEqual([]);
    // The 101 went out as UTF-8 and headers are read as latin1 (as HTTP reads them): U+009B
    // arrives as its two bytes, C2 9B, that is Â and U+009B.
    expect(client.output.lines).toContain(`>> x-evil: ${ESCAPED.replace('FAKE', 'FAKEÂ')}`);
    expect(client.output.lines).toContain(`Received: ${ESCAPED}`);
    expect(client.output.lines.at(-1)).toBe(
      `server closed the connection: code 1000 (Normal Closure), reason "${ESCAPED}"`,
    );
    // --trace's lines for the text frame and the close frame quote their payloads too.
    const frames = client.output.lines.filter((line) => line.startsWith('>> FIN=1'));
    expect(frames).toHaveLength(2);
    for (const line of frames) expect(line).toContain(ESCAPED);
  });
});
