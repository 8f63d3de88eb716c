/**
 * What keeps the server healthy with real clients: a heartbeat that finds peers that vanished,
 * backpressure against clients that do not read, 1011 for an error in our own code (in a
 * message's handling or in the greeting), and a shutdown that tells everyone.
 */
import { Opcode } from 'shared';
import { RawClient, roundTrip, whenClosed } from 'support/testing';
import { describe, expect, it } from 'vitest';
import { CLOSE_TIMEOUT_MS, WRITE_BUFFER_LIMIT } from '../src/connection.ts';
import { SHUTDOWN_GRACE_MS } from '../src/server.ts';
import {
  clientFrame,
  closePayload,
  connect,
  expectCloseThenEnd,
  serverPerTest,
  type WsClient,
} from './helpers.ts';

const start = serverPerTest();

const MiB = 1024 * 1024;

/** Resolves once `ws` has received `count` pings (ws answers each with a pong by itself). */
function pings(ws: WsClient, count: number): Promise<void> {
  return new Promise((resolve) => {
    let received = 0;
    ws.on('ping', () => {
      received += 1;
      if (received === count) resolve();
    });
  });
}

describe('heartbeat', () => {
  it('terminates a client that never answers its pings', async () => {
    const { output, rawClient } = await start({ heartbeatInterval: 50 });
    const client = await rawClient();
    // The raw client reads the ping and, unlike any WebSocket library, never sends the pong.
    expect(await client.next()).toMatchObject({ type: 'ping' });
    // Cut at the next round, without a close frame.
    expect(await client.next()).toBeUndefined();
    await client.closed;
    await output.waitFor(/^no pong from 127\.0\.0\.1:\d+: terminating the connection$/);
    await output.waitFor(/^disconnected: 127\.0\.0\.1:\d+, code 1006 /);
  });

  it('keeps a client that is busy sending one large frame, which cannot answer pings meanwhile', async () => {
    // A control frame cannot go in the middle of a frame (RFC 6455 §5.4): its bytes show the
    // client is alive all the same.
    const { rawClient } = await start({ heartbeatInterval: 250 });
    const client = await rawClient();
    const payload = Buffer.alloc(4000, 7);
    const frame = clientFrame(Opcode.Binary, payload);
    const cuts = [0, 1000, 2000, 3000, frame.length];
    for (let i = 1; i < cuts.length; i++) {
      expect(await client.next()).toMatchObject({ type: 'ping' });
      client.write(frame.subarray(cuts[i - 1], cuts[i]));
    }
    let echo = await client.next();
    while (echo?.type === 'ping') echo = await client.next();
    expect(echo?.type === 'binary' && echo.data.equals(payload)).toBe(true);
  });

  it('keeps a client that answers its pings', async () => {
    const { server } = await start({ heartbeatInterval: 250 });
    const { ws } = await connect(server.url);
    await pings(ws, 4);
    expect(ws.readyState).toBe(ws.OPEN);
    expect((await roundTrip(ws, 'alive', false)).data.toString()).toBe('alive');
    ws.close();
  });
});

describe('backpressure', () => {
  it('stops reading from a client that does not read its echoes, and resumes when it does', async () => {
    const { server, output, rawClient } = await start();
    const client = await rawClient();
    client.socket.pause(); // the client stops reading: its echoes pile up on the server

    // The write buffer limit, plus the echo that took it over (1 MiB), plus the message being
    // read when it stopped, plus 1 MiB to spare. Without backpressure: most of the 32 MiB sent.
    const bound = WRITE_BUFFER_LIMIT + 3 * MiB;
    const messages = Array.from({ length: 32 }, (_, i) => Buffer.alloc(MiB, i));
    for (const message of messages) client.sendFrame(Opcode.Binary, message);
    await output.waitFor(/^paused reading from 127\.0\.0\.1:\d+: \d+ bytes wait to be sent$/);
    expect(server.stats().bufferedBytes).toBeLessThanOrEqual(bound);

    // There is no event for "the server keeps not reading": watch it for a while instead.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(server.stats().bufferedBytes).toBeLessThanOrEqual(bound);
    const echoedWhilePaused = output.lines.filter((line) => line.startsWith('Received')).length;
    expect(echoedWhilePaused).toBeLessThan(32);

    client.socket.resume();
    for (const [i, message] of messages.entries()) {
      const echo = await client.next();
      expect(echo?.type === 'binary' && echo.data.equals(message), `echo ${i}`).toBe(true);
    }
    await output.waitFor(/^resumed reading from 127\.0\.0\.1:\d+$/);
  });

  it('lets four 1 MiB echoes wait before it stops reading, and not much more', async () => {
    const { output, rawClient } = await start();
    const client = await rawClient();
    client.socket.pause();
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

describe('the end of the closing handshake', () => {
  it('cuts a client that does not read its last frames within CLOSE_TIMEOUT_MS, whatever it sends', async () => {
    // The client closes while echoes wait for it, never reads them, and sends a byte every
    // 100 ms after its close frame: neither keeps the connection open past the deadline.
    const { server, rawClient } = await start({ heartbeatInterval: 60_000 });
    const client = await rawClient();
    client.socket.pause();
    while (server.stats().bufferedBytes === 0) {
      client.sendFrame(Opcode.Binary, Buffer.alloc(1024 * 1024));
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    client.write(clientFrame(Opcode.Close, closePayload(1000)));
    const closedAt = performance.now();
    const drip = setInterval(() => {
      if (!client.socket.destroyed) client.socket.write(Buffer.of(0), () => {});
    }, 100);
    await client.closed;
    clearInterval(drip);
    const waited = performance.now() - closedAt;
    expect(waited).toBeGreaterThanOrEqual(CLOSE_TIMEOUT_MS - 100);
    expect(waited).toBeLessThan(CLOSE_TIMEOUT_MS + 3000);
  });
});

describe('an error in our own code', () => {
  it('in the handling of a message fails only that connection, with 1011 and no details', async () => {
    // The log line of one message throws, as a bug in a message handler would.
    const lines: string[] = [];
    const log = (line: string) => {
      if (/^Received from .*: boom$/.test(line)) throw new Error('a bug in the handler');
      lines.push(line);
    };
    const { server } = await start({ log });
    const other = await connect(server.url);
    const victim = await connect(server.url);
    const closed = whenClosed(victim.ws);
    victim.ws.send('boom');
    expect(await closed).toEqual({ code: 1011, reason: '' });
    // The stack follows on the same line: the log writes its newlines as \n, as for any entry.
    expect(
      lines.some((line) =>
        /^internal error with .*, closing with 1011: Error: a bug in the handler\\n/.test(line),
      ),
    ).toBe(true);
    expect((await roundTrip(other.ws, 'still here', false)).data.toString()).toBe('still here');
    other.ws.close();
  });

  it('in the greeting fails only that connection, with 1011; the others are greeted', async () => {
    // The line logged just before the greeting throws, for the client on ::1 only.
    const lines: string[] = [];
    const log = (line: string) => {
      if (line.startsWith('connected: [::1]')) throw new Error('a bug in the greeting');
      lines.push(line);
    };
    const { server } = await start({ log });
    // The first thing the client on ::1 gets after the 101 is the close frame: no greeting.
    const victim = await RawClient.connect(server.port, '::1');
    await expectCloseThenEnd(victim, 1011);
    expect(
      lines.some((line) =>
        /^internal error with \[::1\]:\d+, closing with 1011: Error: a bug in the greeting\\n/.test(
          line,
        ),
      ),
    ).toBe(true);
    const other = await connect(`ws://127.0.0.1:${server.port}/ws`);
    expect(other.greeting).toBe('Hello! Your IP is 127.0.0.1');
    expect((await roundTrip(other.ws, 'still here', false)).data.toString()).toBe('still here');
    other.ws.close();
  });
});

describe('shutdown', () => {
  it("closes every connection with 1001 'server shutting down' (§7.4.1), done once all answer", async () => {
    const { server, rawClient } = await start();
    const clients = await Promise.all([connect(server.url), connect(server.url)]);
    const closes = clients.map(({ ws }) => whenClosed(ws));
    const raw = await rawClient();
    const closing = server.close();
    expect(await raw.nextClose()).toEqual({ code: 1001, reason: 'server shutting down' });
    raw.write(clientFrame(Opcode.Close, closePayload(1001))); // the raw client answers too
    for (const close of await Promise.all(closes)) {
      expect(close).toEqual({ code: 1001, reason: 'server shutting down' });
    }
    await closing;
    await raw.closed;
    expect(server.stats().connections).toBe(0);
  });

  it('cuts a connection that never answers, once the grace period is over', async () => {
    const { server, rawClient } = await start();
    const client = await rawClient(); // reads the close frame, never answers it
    const startedAt = Date.now();
    await server.close();
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(SHUTDOWN_GRACE_MS - 50);
    expect(server.stats().connections).toBe(0);
    expect(await client.nextClose()).toEqual({ code: 1001, reason: 'server shutting down' });
    expect(await client.next()).toBeUndefined(); // cut: nothing after the close frame
    await client.closed;
  });
});
