/**
 * `src/main.ts` as a learner runs it (`pnpm start`): its own process, its output, its exit code,
 * and what it does on Ctrl+C (SIGINT) or SIGTERM.
 */
import { finished } from 'node:stream/promises';
import {
  openWebSocket,
  type Program,
  RawClient,
  roundTrip,
  spawnProgram,
  startServerProgram,
  whenClosed,
} from 'support/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { packageDir, serverPerTest } from './helpers.ts';

const start = serverPerTest();

// A test that fails half-way must not leave its program running.
const programs: Program[] = [];
afterEach(() => {
  for (const program of programs.splice(0)) program.child.kill('SIGKILL');
});

async function startProgram(args: string[] = [], env: Record<string, string> = {}) {
  const program = await startServerProgram(packageDir, args, env);
  programs.push(program);
  return program;
}

/** Every line the program printed, once it has exited and its output has been read to the end. */
async function allOutput(program: Program): Promise<string[]> {
  await program.exited;
  await Promise.all([finished(program.child.stdout!), finished(program.child.stderr!)]);
  return program.output.lines;
}

describe('as a program', () => {
  it('prints its URL, and serves on 127.0.0.1 and on ::1', async () => {
    const program = await startProgram();
    expect(program.output.lines[0]).toBe(
      `native-server listening on ws://localhost:${program.port}/ws`,
    );
    for (const host of ['127.0.0.1', '[::1]']) {
      const ws = await openWebSocket(`ws://${host}:${program.port}/ws`);
      expect((await roundTrip(ws, `via ${host}`, false)).data.toString()).toBe(`via ${host}`);
      ws.close();
    }
    program.child.kill('SIGTERM');
    expect((await program.exited).code).toBe(0);
  });

  it('prints the handshake and every frame with --trace', async () => {
    const program = await startProgram(['--trace']);
    const ws = await openWebSocket(program.url);
    await roundTrip(ws, 'trace me', false);
    const closed = whenClosed(ws);
    ws.close(1000);
    await closed;
    program.child.kill('SIGTERM');
    const text = (await allOutput(program)).join('\n');
    // The request as it arrived, then the 101 the server wrote (peer first: 127.0.0.1:PORT).
    expect(text).toMatch(/^\S+ >> GET \/ws HTTP\/1\.1$/m);
    expect(text).toMatch(/^\S+ >> {3}Sec-WebSocket-Version: 13$/m);
    expect(text).toMatch(/^\S+ << {3}HTTP\/1\.1 101 Switching Protocols$/m);
    expect(text).toMatch(/^\S+ << {3}Sec-WebSocket-Accept: \S+$/m);
    // The message in (masked by the client, §5.3) and its echo out (a server never masks).
    expect(text).toMatch(
      /^\S+ >> FIN=1 RSV=000 opcode=TEXT\(0x1\) MASK=1 key=[0-9a-f]{8} len=8 "trace me"$/m,
    );
    expect(text).toMatch(/^\S+ << FIN=1 RSV=000 opcode=TEXT\(0x1\) MASK=0 len=8 "trace me"$/m);
    expect(text).toMatch(/^\S+ >> FIN=1 RSV=000 opcode=CLOSE\(0x8\) MASK=1 .*code=1000 /m);
  });

  it('prints no line per connection or message with QUIET=1', async () => {
    const program = await startProgram([], { QUIET: '1' });
    const ws = await openWebSocket(program.url);
    await roundTrip(ws, 'shh', false);
    const closed = whenClosed(ws);
    ws.close();
    await closed;
    program.child.kill('SIGTERM');
    // The start line and the shutdown line are always printed; nothing about the client.
    expect(await allOutput(program)).toEqual([
      `native-server listening on ${program.url}`,
      'SIGTERM: closing every connection with 1001 (server shutting down)',
    ]);
  });

  it('says the port is in use, in one line, and exits 1', async () => {
    const { server } = await start();
    const program = spawnProgram(packageDir, [], { PORT: String(server.port) });
    programs.push(program);
    expect((await program.exited).code).toBe(1);
    expect(await allOutput(program)).toEqual([
      `port ${server.port} is in use; set PORT to another port`,
    ]);
  });

  it.each(['SIGINT', 'SIGTERM'] as const)(
    'on %s closes every connection with 1001 and exits 0',
    async (signal) => {
      const program = await startProgram();
      const clients = await Promise.all([openWebSocket(program.url), openWebSocket(program.url)]);
      const closes = clients.map((ws) => whenClosed(ws));
      program.child.kill(signal);
      for (const close of await Promise.all(closes)) {
        expect(close).toEqual({ code: 1001, reason: 'server shutting down' });
      }
      expect(await program.exited).toEqual({ code: 0, signal: null });
      await program.output.waitFor(new RegExp(`^${signal}: closing every connection with 1001`));
    },
  );

  it('exits 0 after the grace period when a peer never answers the close', async () => {
    const program = await startProgram();
    const client = await RawClient.connect(program.port);
    client.socket.pause(); // never reads, never answers
    program.child.kill('SIGTERM');
    // The server waits SHUTDOWN_GRACE_MS (1.5 s) for answers, then cuts the rest and exits.
    expect(await program.exited).toEqual({ code: 0, signal: null });
    // The close frame was sent all the same, before the connection was cut.
    client.socket.resume();
    expect(await client.nextClose()).toEqual({ code: 1001, reason: 'server shutting down' });
    await client.closed;
  });
});
