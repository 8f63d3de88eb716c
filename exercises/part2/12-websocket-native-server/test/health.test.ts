/**
 * What keeps a server healthy with real clients: a heartbeat that finds peers that vanished,
 * backpressure against clients that do not read, and a shutdown that tells everyone.
 */
import { Opcode } from 'shared';
import { SHUTDOWN_GRACE_MS, WRITE_BUFFER_LIMIT } from 'shared/conventions';
import { openWebSocket, roundTrip, whenClosed } from 'shared/testing';
import { describe, expect, it } from 'vitest';
import { clientFrame, closePayload, serverPerTest, type WsClient } from './helpers.ts';

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

  it('keeps a client that answers its pings', async () => {
    const { server } = await start({ heartbeatInterval: 50 });
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
