/**
 * What makes hello-server itself: the greeting (IPv4, IPv6, IPv4-mapped, X-Forwarded-For
 * ignored), the echo after it, log lines that name the sender, and the program's start and
 * shutdown. hello-server-ws, the version with `ws`, has tests of its own for the same behaviour.
 */
import { Opcode } from 'shared';
import {
  openWebSocket,
  RawClient,
  roundTrip,
  startServerProgram,
  whenClosed,
} from 'support/testing';
import { describe, expect, it } from 'vitest';
import { clientFrame, connect, packageDir, serverPerTest } from './helpers.ts';

const start = serverPerTest();

describe('the greeting', () => {
  it('names an IPv4 client by its bare address, as text', async () => {
    const { server } = await start();
    const { ws, greeting, binary } = await connect(`ws://127.0.0.1:${server.port}/ws`);
    expect(greeting).toBe('Hello! Your IP is 127.0.0.1');
    expect(binary).toBe(false);
    ws.close();
  });

  it('names an IPv6 client by its IPv6 address', async () => {
    const { server } = await start();
    const { ws, greeting } = await connect(`ws://[::1]:${server.port}/ws`);
    expect(greeting).toBe('Hello! Your IP is ::1');
    ws.close();
  });

  it('shows an IPv4-mapped IPv6 address (::ffff:127.0.0.1) as IPv4', async () => {
    // Listening on an IPv6 socket bound to the mapped address: IPv4 clients arrive as ::ffff:...
    const { server } = await start({ host: '::ffff:127.0.0.1' });
    const { ws, greeting } = await connect(`ws://127.0.0.1:${server.port}/ws`);
    expect(greeting).toBe('Hello! Your IP is 127.0.0.1');
    ws.close();
  });

  it('comes first even when the client sends a frame along with its upgrade request', async () => {
    // A client may send its first frame without waiting for the 101; the server reads it only
    // after the greeting is on its way.
    const { server } = await start();
    const hello = clientFrame(Opcode.Text, 'sent with the request');
    const client = await RawClient.connect(server.port, '127.0.0.1', '/ws', {
      withRequest: hello,
    });
    const first = await client.next();
    expect(first?.type === 'text' && first.data.toString()).toBe('Hello! Your IP is 127.0.0.1');
    const second = await client.next();
    expect(second?.type === 'text' && second.data.toString()).toBe('sent with the request');
    client.socket.destroy();
  });

  it('does not believe X-Forwarded-For, which any client can send', async () => {
    const { server } = await start();
    const { ws, greeting } = await connect(`ws://127.0.0.1:${server.port}/ws`, {
      'X-Forwarded-For': '203.0.113.7',
    });
    expect(greeting).toBe('Hello! Your IP is 127.0.0.1');
    ws.close();
  });
});

describe('after the greeting', () => {
  it.each([0, 1, 125, 126, 65535, 65536])(
    'echoes %i-byte text and binary messages',
    async (size) => {
      const { server } = await start();
      const { ws } = await connect(server.url);
      const text = 'é'.repeat(size >> 1) + 'a'.repeat(size & 1);
      const echoedText = await roundTrip(ws, text, false);
      expect([echoedText.isBinary, echoedText.data.toString()]).toEqual([false, text]);
      const bytes = Buffer.alloc(size, 0xab);
      const echoedBytes = await roundTrip(ws, bytes, true);
      expect(echoedBytes.isBinary).toBe(true);
      expect(echoedBytes.data.equals(bytes)).toBe(true);
      ws.close();
    },
  );

  it('logs each message with the sender address', async () => {
    const { server, output } = await start();
    const { ws } = await connect(`ws://[::1]:${server.port}/ws`);
    await roundTrip(ws, 'hi from six', false);
    expect(output.lines).toContain('Received from ::1: hi from six');
    ws.close();
  });

  it('greets and echoes several clients at once, each with its own messages', async () => {
    const { server } = await start();
    const clients = await Promise.all(Array.from({ length: 5 }, () => connect(server.url)));
    for (const [i, { ws }] of clients.entries()) {
      expect((await roundTrip(ws, `n${i}`, false)).data.toString()).toBe(`n${i}`);
    }
    for (const { ws } of clients) ws.close();
  });
});

describe('origins', () => {
  it('refuses a page from another origin with 403 when ALLOWED_ORIGINS is set', async () => {
    const { server } = await start({ allowedOrigins: ['https://only.example'] });
    await expect(
      openWebSocket(server.url, { headers: { Origin: 'https://evil.example' } }),
    ).rejects.toThrow('server answered 403');
    const { ws, greeting } = await connect(server.url, { Origin: 'https://only.example' });
    expect(greeting).toMatch(/^Hello! Your IP is/);
    ws.close();
  });
});

describe('as a program', () => {
  it('prints its URL, greets, and closes with 1001 on SIGTERM', async () => {
    const program = await startServerProgram(packageDir);
    expect(program.output.lines[0]).toBe(
      `hello-server listening on ws://localhost:${program.port}/ws`,
    );
    const { ws, greeting } = await connect(program.url);
    expect(greeting).toMatch(/^Hello! Your IP is (127\.0\.0\.1|::1)$/);
    const closed = whenClosed(ws);
    program.child.kill('SIGTERM');
    expect(await closed).toEqual({ code: 1001, reason: 'server shutting down' });
    expect((await program.exited).code).toBe(0);
  });
});
