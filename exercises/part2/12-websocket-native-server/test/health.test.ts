/**
 * What keeps a server healthy with real clients: a heartbeat that finds peers that vanished,
 * backpressure against clients that do not read, and a shutdown that tells everyone.
 */
import { Opcode } from 'shared';
import {
  MEMORY_PROBE_OPTIONS,
  memoryOf,
  openWebSocket,
  RawClient,
  roundTrip,
  startServerProgram,
  whenClosed,
} from 'support/testing';
import { describe, expect, it } from 'vitest';
import { CLOSE_TIMEOUT_MS, WRITE_BUFFER_LIMIT } from '../src/connection.ts';
import { SHUTDOWN_GRACE_MS } from '../src/server.ts';
import { clientFrame, closePayload, packageDir, serverPerTest, type WsClient } from './helpers.ts';

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
    // Cut at the next round, without a close frame: a peer that does not answer pings would not
    // answer a close either.
    expect(await client.next()).toBeUndefined();
    await client.closed;
    await output.waitFor(/^no pong from 127\.0\.0\.1:\d+: terminating the connection$/);
    await output.waitFor(/^disconnected: 127\.0\.0\.1:\d+, code 1006 /);
  });

  it('keeps a client that is busy sending one large frame, which cannot answer pings meanwhile', async () => {
    // A control frame cannot go in the middle of a frame (RFC 6455 §5.4): a client uploading one
    // large frame answers no ping until it is done. Its bytes show it is alive all the same.
    const { rawClient } = await start({ heartbeatInterval: 250 });
    const client = await rawClient();
    const payload = Buffer.alloc(4000, 7);
    const frame = clientFrame(Opcode.Binary, payload);
    const cuts = [0, 1000, 2000, 3000, frame.length];
    // One piece of the frame per ping: several heartbeat rounds pass without a single pong.
    for (let i = 1; i < cuts.length; i++) {
      expect(await client.next()).toMatchObject({ type: 'ping' });
      client.write(frame.subarray(cuts[i - 1], cuts[i]));
    }
    const echo = await nextMessage(client);
    expect(echo?.type === 'binary' && echo.data.equals(payload)).toBe(true);
  });

  it('keeps a client that answers its pings', async () => {
    const { server } = await start({ heartbeatInterval: 250 });
    const ws = await openWebSocket(server.url);
    await pings(ws, 5);
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

    // What the server may hold for this client: the write buffer limit, plus the echo that took
    // it over the limit (1 MiB), plus the message it was reading when it stopped (under 1 MiB),
    // plus 1 MiB to spare for headers and a chunk in flight. Without backpressure it would end up
    // holding most of the 32 MiB sent.
    const bound = WRITE_BUFFER_LIMIT + 3 * MiB;
    let mostHeld = 0;
    const sampler = setInterval(() => {
      mostHeld = Math.max(mostHeld, server.stats().bufferedBytes);
    }, 5);

    const messages = Array.from({ length: 32 }, (_, i) => Buffer.alloc(MiB, i));
    for (const message of messages) client.sendFrame(Opcode.Binary, message);
    await output.waitFor(/^paused reading from 127\.0\.0\.1:\d+: \d+ bytes wait to be sent$/);
    expect(server.stats().bufferedBytes).toBeLessThanOrEqual(bound);

    // There is no event for "the server keeps not reading": watch it for a while instead. A
    // server without backpressure would read the 32 MiB well within this time.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(server.stats().bufferedBytes).toBeLessThanOrEqual(bound);
    const echoedWhilePaused = output.lines.filter((line) => line.startsWith('Received')).length;
    expect(echoedWhilePaused).toBeLessThan(32);

    client.socket.resume();
    for (const [i, message] of messages.entries()) {
      const echo = await client.next();
      expect(echo?.type, `echo ${i}`).toBe('binary');
      expect(echo?.type === 'binary' && echo.data.equals(message), `echo ${i}`).toBe(true);
    }
    await output.waitFor(/^resumed reading from 127\.0\.0\.1:\d+$/);
    clearInterval(sampler);
    expect(mostHeld).toBeLessThanOrEqual(bound);
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
  /**
   * A client that closes while echoes still wait to be sent to it, and never reads them: the
   * server's close frame waits behind them, so TCP cannot end the usual way. It sends one byte
   * every 100 ms after its close frame. Resolves when the server has cut it.
   */
  async function closeWithoutReading(start: ReturnType<typeof serverPerTest>, heartbeat: number) {
    const { server, rawClient } = await start({ heartbeatInterval: heartbeat });
    const client = await rawClient();
    client.socket.pause();
    // 1 MiB echoes until some wait in the server itself: the system's buffers are full.
    while (server.stats().bufferedBytes === 0) {
      client.sendFrame(Opcode.Binary, Buffer.alloc(MiB));
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(server.stats().bufferedBytes).toBeLessThan(WRITE_BUFFER_LIMIT);
    client.write(clientFrame(Opcode.Close, closePayload(1000)));
    const closedAt = performance.now();
    const drip = setInterval(() => {
      if (!client.socket.destroyed) client.socket.write(Buffer.of(0), () => {});
    }, 100);
    await client.closed;
    clearInterval(drip);
    return performance.now() - closedAt;
  }

  it('cuts a client that does not read its last frames within CLOSE_TIMEOUT_MS, whatever it sends', async () => {
    // Without a deadline, the server would wait for the queue to drain: forever.
    const waited = await closeWithoutReading(start, 60_000);
    expect(waited).toBeGreaterThanOrEqual(CLOSE_TIMEOUT_MS - 100);
    expect(waited).toBeLessThan(CLOSE_TIMEOUT_MS + 3000);
  });

  it('takes no bytes after the close frame for a sign of life: the heartbeat cuts such a client', async () => {
    // With a 300 ms heartbeat, a client that sends nothing is cut at the second round; bytes sent
    // after its close frame do not change that (before the close deadline of 5 s).
    const waited = await closeWithoutReading(start, 300);
    expect(waited).toBeLessThan(CLOSE_TIMEOUT_MS - 1000);
  });
});

describe('memory', () => {
  it('holds no more than the size limit for a message sent as small fragments among many pongs', async () => {
    // Each 64 KiB write: a 4 KiB fragment of one unfinished message, unsolicited pongs to fill
    // the rest, and a ping whose pong paces the next write. A server that kept each fragment as
    // a view into its 64 KiB read would hold 16 times the limit while counting 1 times.
    const limit = 4 * MiB;
    const program = await startServerProgram(packageDir, [], {
      MAX_PAYLOAD: String(limit),
      QUIET: '1',
      NODE_OPTIONS: MEMORY_PROBE_OPTIONS,
    });
    try {
      const client = await RawClient.connect(program.port);
      const before = (await memoryOf(program)).arrayBuffers;
      const ping = clientFrame(Opcode.Ping);
      const pong = clientFrame(Opcode.Pong, Buffer.alloc(113, 2));
      for (let i = 0; i < limit / 4096 - 1; i++) {
        const opcode = i === 0 ? Opcode.Binary : Opcode.Continuation;
        const fragment = clientFrame(opcode, Buffer.alloc(4096, 1), false);
        const pongs = Math.floor((64 * 1024 - fragment.length - ping.length) / pong.length);
        client.write(Buffer.concat([fragment, ...Array(pongs).fill(pong), ping]));
        expect(await client.next()).toMatchObject({ type: 'pong' });
      }
      const held = (await memoryOf(program)).arrayBuffers - before;
      // The message so far (4 MiB less 4 KiB), with no more than 10% on top.
      expect(held).toBeLessThanOrEqual(1.1 * limit);
      client.socket.destroy();
    } finally {
      program.child.kill('SIGTERM');
      await program.exited;
    }
  });
});

describe('an error in our own code', () => {
  it('fails only that connection, with 1011 and no details; the server keeps serving', async () => {
    // The log line of one message throws, as a bug in a message handler would.
    const lines: string[] = [];
    const log = (line: string) => {
      if (line === 'Received: boom') throw new Error('a bug in the handler');
      lines.push(line);
    };
    const { server } = await start({ log });
    const other = await openWebSocket(server.url);
    const victim = await openWebSocket(server.url);
    const closed = whenClosed(victim);
    victim.send('boom');
    expect(await closed).toEqual({ code: 1011, reason: '' });
    // The stack follows on the same line: the log writes its newlines as \n, as for any entry.
    expect(
      lines.some((line) =>
        /^internal error with .*, closing with 1011: Error: a bug in the handler\\n/.test(line),
      ),
    ).toBe(true);
    expect((await roundTrip(other, 'still here', false)).data.toString()).toBe('still here');
    other.close();
  });
});

describe('shutdown', () => {
  it("closes every connection with 1001 'server shutting down' (§7.4.1), done once all answer", async () => {
    const { server, rawClient } = await start();
    const clients = await Promise.all([openWebSocket(server.url), openWebSocket(server.url)]);
    const closes = clients.map((ws) => whenClosed(ws));
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

  it('stops accepting connections', async () => {
    const { server } = await start();
    await server.close();
    await expect(openWebSocket(server.url)).rejects.toThrow();
  });

  it('resolves close() once every connection is closed, cutting one that never answers after the grace period', async () => {
    const { server, rawClient } = await start();
    const client = await rawClient(); // reads the close frame, never answers it
    const startedAt = Date.now();
    await server.close();
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(SHUTDOWN_GRACE_MS - 50);
    // When close() resolves, every connection is closed: none is left for stats() to count.
    expect(server.stats().connections).toBe(0);
    expect(await client.nextClose()).toEqual({ code: 1001, reason: 'server shutting down' });
    expect(await client.next()).toBeUndefined(); // cut: nothing after the close frame
    await client.closed;
  });
});

/** The next message a raw client receives, skipping pings and pongs. */
async function nextMessage(client: RawClient) {
  for (;;) {
    const event = await client.next();
    if (event?.type !== 'ping' && event?.type !== 'pong') return event;
  }
}
