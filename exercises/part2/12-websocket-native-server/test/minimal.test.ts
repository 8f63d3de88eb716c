/**
 * `src/minimal.ts`, the one-page version, as a learner runs it (`pnpm start:minimal`): the
 * handshake of RFC 6455 §1.3 and the masked "Hello" of §5.7, byte for byte, then an echo for a
 * `ws` client.
 */
import { createConnection } from 'node:net';
import {
  openWebSocket,
  type Program,
  readHead,
  roundTrip,
  spawnProgram,
  whenClosed,
} from 'support/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { packageDir } from './helpers.ts';

// A test that fails half-way must not leave its program running.
const programs: Program[] = [];
afterEach(() => {
  for (const program of programs.splice(0)) program.child.kill('SIGKILL');
});

/** Starts src/minimal.ts on a free port and returns it with the port it printed. */
async function startMinimal() {
  const program = spawnProgram(packageDir, [], { PORT: '0' }, 'src/minimal.ts');
  programs.push(program);
  const line = await program.output.waitFor(/listening on/);
  const match = /^native-server \(minimal\) listening on ws:\/\/localhost:(\d+)\/ws$/.exec(line);
  expect(match, line).not.toBeNull();
  return { program, port: Number(match?.[1]) };
}

describe('the minimal server', () => {
  it('echoes a short text message to a ws client', async () => {
    const { port } = await startMinimal();
    const client = await openWebSocket(`ws://localhost:${port}/ws`);
    const echo = await roundTrip(client, 'hello, minimal', false);
    expect(echo.isBinary).toBe(false);
    expect(echo.data.toString()).toBe('hello, minimal');
    const closed = whenClosed(client);
    client.terminate();
    await closed;
  });

  it("answers the RFC's key with its accept value, and the RFC's masked Hello with Hello", async () => {
    const { port } = await startMinimal();
    const socket = createConnection(port, 'localhost');
    socket.on('error', () => {});
    socket.write(
      'GET /ws HTTP/1.1\r\n' +
        `Host: localhost:${port}\r\n` +
        'Upgrade: websocket\r\n' +
        'Connection: Upgrade\r\n' +
        'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n' +
        'Sec-WebSocket-Version: 13\r\n' +
        '\r\n',
    );
    const { head, rest } = await readHead(socket);
    expect(head.status).toBe(101);
    expect(head.headers['sec-websocket-accept']).toBe('s3pPLMBiTxaQ9kYGzzhZRbK+xOo=');
    expect(rest.length).toBe(0);

    // RFC 6455 §5.7: a masked text frame "Hello", and the unmasked frame that answers it.
    socket.write(Buffer.from([0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58]));
    const echo = await new Promise<Buffer>((resolve) => {
      socket.once('data', resolve);
      socket.resume();
    });
    expect([...echo]).toEqual([0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f]);
    socket.destroy();
  });
});
