/**
 * src/minimal.ts, the smallest client, run as a program: against an echo server made with `ws`,
 * a `ws` server that closes first, and a raw server that shows the client still reading after its
 * own close frame.
 */
import type { Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import {
  acceptResponse,
  encodeFrame,
  Opcode,
  type Program,
  spawnProgram,
  startScriptedServer,
} from 'support/testing';
import { afterEach, expect, it } from 'vitest';
import { echo, startServer } from './servers.ts';

const packageDir = fileURLToPath(new URL('..', import.meta.url));

// What each test started, undone after it whether it passed or not.
let cleanups: (() => unknown)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.reverse()) cleanup();
  cleanups = [];
});

function runMinimal(url: string): Program {
  const program = spawnProgram(packageDir, [url], {}, 'src/minimal.ts');
  cleanups.push(() => program.child.kill('SIGKILL'));
  return program;
}

const hello = /^Received: Hello at \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

it('says hello at once and every second; on Ctrl+C closes with 1000, gets the answer, exits 0', async () => {
  const server = await startServer(echo);
  cleanups.push(server.stop);
  const program = runMinimal(server.url);
  // The first echo, then a second one: the timer's.
  await program.output.waitFor(hello);
  await program.output.next(hello);
  program.child.kill('SIGINT');
  expect(await program.exited).toEqual({ code: 0, signal: null });
  expect(program.output.lines.at(-1)).toBe('Closed: code 1000');
  expect(program.output.lines.slice(0, -1).every((line) => hello.test(line))).toBe(true);
  // The server saw the client's close frame, with its code.
  await server.log.waitFor(/^disconnected: code 1000 \(Normal Closure\)$/);
});

it('when the server closes first, prints its code and ends (the timer stops)', async () => {
  const server = await startServer((ws) => ws.close(1001, 'server shutting down'));
  cleanups.push(server.stop);
  const program = runMinimal(server.url);
  expect(await program.exited).toEqual({ code: 0, signal: null });
  expect(program.output.lines).toEqual(['Closed: code 1001']);
});

/**
 * Calls `onFrame` with each frame a client sends: masked (RFC 6455 §5.3), its length in the 7- or
 * 16-bit form (the minimal client's hellos and close frame are short).
 */
function readClientFrames(socket: Socket, onFrame: (opcode: number, payload: Buffer) => void) {
  let buffered = Buffer.alloc(0);
  socket.on('data', (chunk: Buffer) => {
    buffered = Buffer.concat([buffered, chunk]);
    for (;;) {
      if (buffered.length < 4) return;
      const opcode = buffered[0]! & 0x0f;
      const short = buffered[1]! & 0x7f;
      const start = short === 126 ? 4 : 2;
      const length = short === 126 ? buffered.readUInt16BE(2) : short;
      const end = start + 4 + length;
      if (buffered.length < end) return;
      const key = buffered.subarray(start, start + 4);
      const payload = Buffer.from(
        buffered.subarray(start + 4, end).map((byte, i) => byte ^ key[i % 4]!),
      );
      buffered = buffered.subarray(end);
      onFrame(opcode, payload);
    }
  });
}

it("after its close frame, still prints what comes until the server's close", async () => {
  // A raw server: it answers the client's close frame with a message first, then its own close
  // frame, then closes TCP. A client that left right after sending its close would miss both.
  const server = await startScriptedServer((socket, key) => {
    socket.write(acceptResponse(key));
    readClientFrames(socket, (opcode, payload) => {
      if (opcode === Opcode.Text) {
        socket.write(encodeFrame({ opcode: Opcode.Text, payload }));
      } else if (opcode === Opcode.Close) {
        socket.write(encodeFrame({ opcode: Opcode.Text, payload: Buffer.from('one more') }));
        socket.write(encodeFrame({ opcode: Opcode.Close, payload })); // the same code back
        socket.end(); // RFC 6455 §7.1.1: the server closes TCP first
      }
    });
  });
  cleanups.push(server.close);
  const program = runMinimal(server.url);
  await program.output.waitFor(hello);
  program.child.kill('SIGINT');
  expect(await program.exited).toEqual({ code: 0, signal: null });
  expect(program.output.lines.slice(-2)).toEqual(['Received: one more', 'Closed: code 1000']);
});
