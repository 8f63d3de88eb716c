import { fileURLToPath } from 'node:url';
import type { RunningServer, ServerOptions } from 'support';
import {
  encodeFrame,
  inboxOf,
  MEMORY_PROBE_OPTIONS,
  memoryOf,
  Opcode,
  openWebSocket,
  pingUntilCut,
  RawClient,
  rawHttpExchange,
  roundTrip,
  spawnProgram,
  startServerProgram,
  testServerOptions,
  whenClosed,
} from 'support/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { type ClientOptions, WebSocket } from 'ws';
import { createHelloServer, MAX_PENDING_PONGS, WRITE_BUFFER_LIMIT } from '../src/server.ts';

// Everything the server does besides the greeting: the code it shares with echo-server (the
// upgrade checks, the 1011 guard, limits, the heartbeat, backpressure, the shutdown), tested
// here because this exercise holds its own copy of that code.

const packageDir = fileURLToPath(new URL('..', import.meta.url));

let server: RunningServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function start(overrides: Partial<ServerOptions> = {}) {
  const options = testServerOptions(overrides);
  server = await createHelloServer(options);
  return { server, output: options.output };
}

/** A connection whose greeting has been read: the next message is an echo. */
async function connect(url: string, options: ClientOptions = {}) {
  const ws = await openWebSocket(url, options);
  expect((await inboxOf(ws).next()).data.toString()).toMatch(/^Hello! Your IP is /);
  return ws;
}

/** A raw client whose greeting has been read: the next event is a ping, an echo or a close. */
async function connectRaw(port: number) {
  const client = await RawClient.connect(port);
  expect(await client.next()).toMatchObject({ type: 'text' });
  return client;
}

describe('log lines', () => {
  it('logs who connected and disconnected with which code', async () => {
    const { server, output } = await start();
    const ws = await connect(`ws://127.0.0.1:${server.port}/ws`);
    await roundTrip(ws, Buffer.alloc(3), true);
    ws.close(1000, 'bye');
    await output.waitFor(
      /^disconnected: 127\.0\.0\.1:\d+, code 1000 \(Normal Closure\), reason "bye"$/,
    );
    expect(output.text).toMatch(/^connected: 127\.0\.0\.1:\d+ \(1 open\)$/m);
    expect(output.lines).toContain('Received from 127.0.0.1: 3 bytes (binary)');
  });

  it('logs nothing per connection or message with --quiet, and still greets', async () => {
    const { server, output } = await start({ quiet: true });
    const ws = await connect(server.url);
    await roundTrip(ws, 'shh', false);
    ws.close();
    await whenClosed(ws);
    expect(output.lines).toEqual([]);
  });
});

describe('plain HTTP', () => {
  it('answers GET /ws without an upgrade with 426 Upgrade Required', async () => {
    const { server } = await start();
    const response = await fetch(`http://127.0.0.1:${server.port}/ws`);
    expect(response.status).toBe(426);
    expect(response.headers.get('upgrade')).toBe('websocket');
    // RFC 9110 §7.8: whoever sends Upgrade sends Connection: Upgrade with it.
    expect(response.headers.get('connection')?.toLowerCase()).toContain('upgrade');
  });

  it('answers other paths with 404', async () => {
    const { server } = await start();
    expect((await fetch(`http://127.0.0.1:${server.port}/nothing-here`)).status).toBe(404);
  });

  it('refuses a WebSocket upgrade on another path with 404', async () => {
    const { server } = await start();
    await expect(openWebSocket(`ws://127.0.0.1:${server.port}/other`)).rejects.toThrow(
      'server answered 404',
    );
  });
});

describe('the Host header (RFC 9110 §7.2)', () => {
  /** An upgrade request that ws would accept, but for its Host header lines. */
  const upgradeWith = (hostLines: string) =>
    'GET /ws HTTP/1.1\r\n' +
    hostLines +
    'Upgrade: websocket\r\nConnection: Upgrade\r\n' +
    'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n';

  it.each([
    ['sent twice', 'Host: localhost\r\nhost: other.example\r\n', /sent 2 times/],
    ['with spaces', 'Host: a b c\r\n', /is not a host name and port/],
    ['with a user, path and query', 'Host: x@y/z?\r\n', /is not a host name and port/],
  ])('refuses an upgrade with a Host %s with 400', async (_, hostLines, reason) => {
    const { server } = await start();
    const response = await rawHttpExchange(server.port, upgradeWith(hostLines));
    expect(response.head.status).toBe(400);
    expect(response.body).toMatch(reason);
    const ws = await connect(server.url);
    expect((await roundTrip(ws, 'still serving', false)).data.toString()).toBe('still serving');
    ws.close();
  });
});

describe('origins', () => {
  it('refuses a client without an Origin when ALLOWED_ORIGINS is set, and logs who', async () => {
    const { server, output } = await start({ allowedOrigins: ['https://only.example'] });
    await expect(openWebSocket(server.url)).rejects.toThrow('server answered 403');
    await expect(
      openWebSocket(server.url, { headers: { Origin: 'https://evil.example' } }),
    ).rejects.toThrow('server answered 403');
    await output.waitFor(/^refused 127\.0\.0\.1:\d+: origin \(none\)$/);
    await output.waitFor(/^refused 127\.0\.0\.1:\d+: origin https:\/\/evil\.example$/);
  });

  it('accepts every origin, and none, when ALLOWED_ORIGINS is not set', async () => {
    const { server } = await start();
    const ws = await connect(server.url, { headers: { Origin: 'https://any.example' } });
    expect((await roundTrip(ws, 'any', false)).data.toString()).toBe('any');
    ws.close();
    const none = await connect(server.url);
    none.close();
  });
});

describe('an error in our own code', () => {
  it('fails only that connection, with 1011 and no details; the server keeps serving', async () => {
    // The log line of one message throws, as a bug in a message handler would.
    const lines: string[] = [];
    const log = (line: string) => {
      if (line === 'Received from 127.0.0.1: boom') throw new Error('a bug in the handler');
      lines.push(line);
    };
    const { server } = await start({ log });
    const other = await connect(`ws://127.0.0.1:${server.port}/ws`);
    const victim = await connect(`ws://127.0.0.1:${server.port}/ws`);
    const closed = whenClosed(victim);
    victim.send('boom');
    expect(await closed).toEqual({ code: 1011, reason: '' });
    expect(lines.some((line) => line.startsWith('internal error with 127.0.0.1:'))).toBe(true);
    expect((await roundTrip(other, 'still here', false)).data.toString()).toBe('still here');
    other.close();
  });

  it('fails a connection with 1011 when its setup throws, before the greeting', async () => {
    // The "connected" line throws, as a bug in the code that sets up a connection would.
    const lines: string[] = [];
    const log = (line: string) => {
      if (line.startsWith('connected:')) throw new Error('a bug in the setup');
      lines.push(line);
    };
    const { server } = await start({ log });
    const ws = await openWebSocket(server.url);
    expect(await whenClosed(ws)).toEqual({ code: 1011, reason: '' });
    expect(lines.some((line) => line.startsWith('internal error with '))).toBe(true);
  });
});

describe('limits and health', () => {
  it('closes with 1009 when a message is over MAX_PAYLOAD', async () => {
    const { server } = await start({ maxPayload: 1024 });
    const ws = await connect(server.url);
    expect((await roundTrip(ws, Buffer.alloc(1024), true)).data.length).toBe(1024);
    ws.send(Buffer.alloc(1025));
    expect((await whenClosed(ws)).code).toBe(1009);
  });

  it('keeps serving other clients after one sends garbage', async () => {
    const { server } = await start();
    const healthy = await connect(server.url);
    const raw = await connectRaw(server.port);
    // An unmasked frame from a client breaks RFC 6455 §5.1: that connection ends with 1002.
    raw.write([0x81, 0x02, 0x68, 0x69]);
    expect((await raw.nextClose()).code).toBe(1002);
    expect((await roundTrip(healthy, 'still here', false)).data.toString()).toBe('still here');
    healthy.close();
  });

  it('terminates a client that stops answering pings', async () => {
    const { server, output } = await start({ heartbeatInterval: 50 });
    const ws = await connect(server.url, { autoPong: false });
    const closed = await whenClosed(ws);
    expect(closed.code).toBe(1006); // cut without a close frame
    await output.waitFor(/^no pong from 127\.0\.0\.1:\d+: terminating the connection$/);
  });

  it('keeps a client that is busy sending one large frame, which cannot answer pings meanwhile', async () => {
    // A control frame cannot go in the middle of a frame (RFC 6455 §5.4): a client uploading one
    // large frame answers no ping until it is done. Its bytes show it is alive all the same.
    const { server } = await start({ heartbeatInterval: 250 });
    const client = await connectRaw(server.port);
    const payload = Buffer.alloc(4000, 7);
    const frame = encodeFrame({ opcode: Opcode.Binary, payload, mask: true });
    const cuts = [0, 1000, 2000, 3000, frame.length];
    // One piece of the frame per ping: several heartbeat rounds pass without a single pong.
    for (let i = 1; i < cuts.length; i++) {
      expect(await client.next()).toMatchObject({ type: 'ping' });
      client.write(frame.subarray(cuts[i - 1], cuts[i]));
    }
    let echo = await client.next();
    while (echo?.type === 'ping') echo = await client.next();
    expect(echo?.type === 'binary' && echo.data.equals(payload)).toBe(true);
    client.socket.destroy();
  });

  it('keeps a client that answers its pings', async () => {
    const { server } = await start({ heartbeatInterval: 250 });
    const ws = await connect(server.url);
    let pings = 0;
    await new Promise<void>((resolve) => {
      ws.on('ping', () => {
        pings += 1;
        if (pings === 5) resolve();
      });
    });
    expect(ws.readyState).toBe(WebSocket.OPEN);
    ws.close();
  });

  it('stops reading from a client that does not read its echoes, and resumes when it does', async () => {
    const { server, output } = await start();
    const client = await connectRaw(server.port);
    client.socket.pause(); // the client stops reading: echoes pile up on the server
    // Sixteen messages of WRITE_BUFFER_LIMIT bytes each: far more than the limit waits unread.
    const message = Buffer.alloc(WRITE_BUFFER_LIMIT, 1);
    for (let i = 0; i < 16; i++) client.sendFrame(Opcode.Binary, message);
    await output.waitFor(/^paused reading from 127\.0\.0\.1:\d+: \d+ bytes wait to be sent$/);

    client.socket.resume();
    for (let i = 0; i < 16; i++) {
      const echo = await client.next();
      expect(echo?.type === 'binary' && echo.data.equals(message)).toBe(true);
    }
    await output.waitFor(/^resumed reading from/);
    client.socket.destroy();
  });

  it('lets four 1 MiB echoes wait before it stops reading, and not much more', async () => {
    const { server, output } = await start();
    const client = await connectRaw(server.port);
    client.socket.pause();
    const MiB = 1024 * 1024;
    for (let i = 0; i < 16; i++) client.sendFrame(Opcode.Binary, Buffer.alloc(MiB, 1));
    const line = await output.waitFor(/^paused reading from 127\.0\.0\.1:\d+: \d+ bytes/);
    const waiting = Number(/: (\d+) bytes/.exec(line)?.[1]);
    // Reading stops only once more than four 1 MiB echoes wait (a 1 MiB limit stopped it at
    // every large echo a slow network could not take at once), and at most one message later.
    expect(waiting).toBeGreaterThan(4 * MiB);
    expect(waiting).toBeLessThanOrEqual(WRITE_BUFFER_LIMIT + MiB + 14);
    client.socket.destroy();
  });
});

describe('pings (ws answers each with a pong)', () => {
  it('answers 100 pings sent in one write, and the connection stays open', async () => {
    // ws's default (60 pongs not yet written) cut such a client after 60 pongs, without a close
    // frame, although it reads everything: the 100 pongs are written while one read is handled.
    const { server } = await start();
    const client = await connectRaw(server.port);
    const pings = Array.from({ length: 100 }, (_, i) =>
      encodeFrame({ opcode: Opcode.Ping, payload: Buffer.from(`ping ${i}`), mask: true }),
    );
    client.write(Buffer.concat(pings));
    for (let i = 0; i < 100; i++) {
      const pong = await client.next();
      expect(pong?.type === 'pong' && pong.data.toString(), `pong ${i}`).toBe(`ping ${i}`);
    }
    client.sendFrame(Opcode.Text, 'still open');
    expect(await client.next()).toMatchObject({ type: 'text', data: Buffer.from('still open') });
    client.socket.destroy();
  });

  it('ends a client that sends pings and never reads, once the write limit is full of pongs', async () => {
    const program = await startServerProgram(packageDir, [], {
      QUIET: '1',
      NODE_OPTIONS: MEMORY_PROBE_OPTIONS,
    });
    try {
      const baseline = await memoryOf(program);
      const most = { buffers: 0, heap: 0 };
      // About 1 MiB of pings at a time, and the server's memory after each.
      const { sent, cut } = await pingUntilCut(
        program.port,
        async () => {
          const now = await memoryOf(program);
          most.buffers = Math.max(most.buffers, now.arrayBuffers - baseline.arrayBuffers);
          most.heap = Math.max(most.heap, now.heapUsed - baseline.heapUsed);
        },
        64 * 1024 * 1024,
      );
      // ws cut it at a ping that found MAX_PENDING_PONGS pongs waiting (after the kernel's
      // buffers had filled up with more), long before 64 MiB, and not before: it had more than
      // that many 131-byte pings (ws's default of 60 cut it within the first block)...
      expect(cut).toBe(true);
      expect(sent).toBeGreaterThan(MAX_PENDING_PONGS * 131);
      // ...and until then held those pongs: WRITE_BUFFER_LIMIT of them (each keeps its part of
      // the read it came in), with 10% to spare, and one more block (1 MiB) of pings being read.
      // Measured: 4.3 MB.
      expect(most.buffers).toBeLessThanOrEqual(1.1 * WRITE_BUFFER_LIMIT + 1024 * 1024);
      // Each waiting pong also costs ws about 300 bytes of bookkeeping (two queued writes and
      // a callback): 9.8 MB measured at 33,000 pongs. Bounded too, if not by the same figure.
      expect(most.heap).toBeLessThanOrEqual(4 * WRITE_BUFFER_LIMIT);
    } finally {
      program.child.kill('SIGTERM');
      await program.exited;
    }
  });
});

describe('as a program', () => {
  it.each(['SIGINT', 'SIGTERM'] as const)(
    'on %s closes every connection with 1001 and exits 0',
    async (signal) => {
      const program = await startServerProgram(packageDir);
      const clients = await Promise.all([connect(program.url), connect(program.url)]);
      const closes = clients.map(whenClosed);
      program.child.kill(signal);
      for (const close of await Promise.all(closes)) {
        expect(close).toEqual({ code: 1001, reason: 'server shutting down' });
      }
      expect((await program.exited).code).toBe(0);
    },
  );

  it('exits 0 on SIGTERM even when a peer never answers the close', async () => {
    const program = await startServerProgram(packageDir);
    // A raw client that completes the handshake and then never reads or answers.
    const client = await RawClient.connect(program.port);
    client.socket.pause();
    program.child.kill('SIGTERM');
    expect((await program.exited).code).toBe(0);
    client.socket.destroy();
  });

  it('says the port is in use, in one line, and exits 1', async () => {
    const { server } = await start();
    const program = spawnProgram(packageDir, [], { PORT: String(server.port) });
    const exit = await program.exited;
    await program.output.waitFor(/in use/);
    expect(exit.code).toBe(1);
    expect(program.output.lines).toEqual([
      `port ${server.port} is in use; set PORT to another port`,
    ]);
  });

  it('rejects a PORT that is not a number', async () => {
    const program = spawnProgram(packageDir, [], { PORT: 'eighty' });
    expect((await program.exited).code).toBe(2);
    expect(program.output.lines).toEqual(['PORT must be a number from 0 to 65535, not "eighty"']);
  });
});
