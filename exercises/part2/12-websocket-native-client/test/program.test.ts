/**
 * The client as a real program (src/main.ts through tsx, as `pnpm --filter native-client start`
 * runs it): stdin from a pipe, signals, and the exit code it leaves for the shell.
 */
import { encodeFrame, Opcode } from 'shared';
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
