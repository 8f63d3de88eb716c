/**
 * `src/main.ts` as a learner runs it (`pnpm start`): its own process, its output, its exit code,
 * and what it does on Ctrl+C (SIGINT). (The start line and SIGTERM: hello-server.test.ts.)
 */
import { finished } from 'node:stream/promises';
import {
  type Program,
  RawClient,
  roundTrip,
  startServerProgram,
  whenClosed,
} from 'support/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { connect, packageDir } from './helpers.ts';

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
  it('prints the handshake and every frame with --trace, the greeting first', async () => {
    const program = await startProgram(['--trace']);
    const { ws } = await connect(`ws://127.0.0.1:${program.port}/ws`);
    await roundTrip(ws, 'trace me', false);
    const closed = whenClosed(ws);
    ws.close(1000);
    await closed;
    program.child.kill('SIGTERM');
    const text = (await allOutput(program)).join('\n');
    expect(text).toMatch(/^\S+ >> GET \/ws HTTP\/1\.1$/m);
    expect(text).toMatch(/^\S+ << {3}HTTP\/1\.1 101 Switching Protocols$/m);
    expect(text).toMatch(/^\S+ << {3}Sec-WebSocket-Accept: \S+$/m);
    // The greeting: 27 bytes of text, unmasked (a server never masks, RFC 6455 §5.1).
    expect(text).toMatch(
      /^\S+ << FIN=1 RSV=000 opcode=TEXT\(0x1\) MASK=0 len=27 "Hello! Your IP is 127\.0\.0\.1"$/m,
    );
    expect(text).toMatch(
      /^\S+ >> FIN=1 RSV=000 opcode=TEXT\(0x1\) MASK=1 key=[0-9a-f]{8} len=8 "trace me"$/m,
    );
    expect(text).toMatch(/^\S+ << FIN=1 RSV=000 opcode=TEXT\(0x1\) MASK=0 len=8 "trace me"$/m);
    expect(text).toMatch(/^Received from 127\.0\.0\.1: trace me$/m);
  });

  it('prints no line per connection or message with QUIET=1', async () => {
    const program = await startProgram([], { QUIET: '1' });
    const { ws } = await connect(program.url);
    await roundTrip(ws, 'shh', false);
    const closed = whenClosed(ws);
    ws.close();
    await closed;
    program.child.kill('SIGTERM');
    expect(await allOutput(program)).toEqual([
      `hello-server listening on ${program.url}`,
      'SIGTERM: closing every connection with 1001 (server shutting down)',
    ]);
  });

  it('on SIGINT (Ctrl+C) closes every connection with 1001 and exits 0', async () => {
    const program = await startProgram();
    const clients = await Promise.all([connect(program.url), connect(program.url)]);
    const closes = clients.map(({ ws }) => whenClosed(ws));
    program.child.kill('SIGINT');
    for (const close of await Promise.all(closes)) {
      expect(close).toEqual({ code: 1001, reason: 'server shutting down' });
    }
    expect(await program.exited).toEqual({ code: 0, signal: null });
    await program.output.waitFor(/^SIGINT: closing every connection with 1001/);
  });

  it('exits 0 after the grace period when a peer never answers the close', async () => {
    const program = await startProgram();
    const client = await RawClient.connect(program.port);
    client.socket.pause(); // never reads, never answers
    program.child.kill('SIGTERM');
    expect(await program.exited).toEqual({ code: 0, signal: null });
    // The greeting, then the close frame, were sent all the same, before the connection was cut.
    client.socket.resume();
    expect(await client.next()).toMatchObject({ type: 'text' });
    expect(await client.nextClose()).toEqual({ code: 1001, reason: 'server shutting down' });
    await client.closed;
  });
});
