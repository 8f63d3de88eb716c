/**
 * `src/minimal.ts`, the one-page version, as a learner runs it (`pnpm start:minimal`): the
 * handshake of RFC 6455 §1.3 and the masked "Hello" of §5.7, byte for byte, an echo for a `ws`
 * client, and frames read from a stream: two in one write, one across two writes, one sent along
 * with the upgrade request.
 */
import { createConnection } from 'node:net';
import { Opcode } from 'shared';
import {
  openWebSocket,
  type Program,
  RawClient,
  readHead,
  roundTrip,
  spawnProgram,
  whenClosed,
} from 'support/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { clientFrame, packageDir } from './helpers.ts';

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

  it('echoes two frames that arrive in one write, the second one too', async () => {
    const { port } = await startMinimal();
    const client = await RawClient.connect(port, 'localhost');
    client.write(Buffer.concat([clientFrame(Opcode.Text, 'one'), clientFrame(Opcode.Text, 'two')]));
    expect(textOf(await client.next())).toBe('one');
    // A frame in a later write: had 'two' been lost, 'three' would come next, at once.
    client.write(clientFrame(Opcode.Text, 'three'));
    expect(textOf(await client.next())).toBe('two');
    expect(textOf(await client.next())).toBe('three');
    client.socket.destroy();
  });

  it('echoes a frame that arrives across two reads, cut at any byte', async () => {
    const { port } = await startMinimal();
    const client = await RawClient.connect(port, 'localhost');
    const first = clientFrame(Opcode.Text, 'first');
    const split = clientFrame(Opcode.Text, 'split');
    for (let cut = 1; cut < split.length; cut++) {
      // A whole frame and the start of the next in one write; the echo of the first shows that
      // the server has read that write. Only then the rest of the frame, in a read of its own.
      client.write(Buffer.concat([first, split.subarray(0, cut)]));
      expect(textOf(await client.next()), `cut after byte ${cut}`).toBe('first');
      client.write(split.subarray(cut));
      expect(textOf(await client.next()), `cut after byte ${cut}`).toBe('split');
    }
    client.socket.destroy();
  });

  it('echoes a frame sent in the same write as the upgrade request', async () => {
    const { port } = await startMinimal();
    const client = await RawClient.connect(port, 'localhost', '/ws', {
      withRequest: clientFrame(Opcode.Text, 'along with the request'),
    });
    // A frame sent after the 101: had the first been lost, this one would come first.
    client.write(clientFrame(Opcode.Text, 'after the 101'));
    expect(textOf(await client.next())).toBe('along with the request');
    expect(textOf(await client.next())).toBe('after the 101');
    client.socket.destroy();
  });

  it('cuts the connection on a frame it does not read (a ping), without a close frame', async () => {
    const { port } = await startMinimal();
    const client = await RawClient.connect(port, 'localhost');
    client.write(clientFrame(Opcode.Ping, 'are you there?'));
    expect(await client.next()).toBeUndefined();
    await client.closed;
  });
});

/** The text of a text event, or what came instead. */
function textOf(event: Awaited<ReturnType<RawClient['next']>>): string | undefined {
  return event?.type === 'text' ? event.data.toString() : event?.type;
}
