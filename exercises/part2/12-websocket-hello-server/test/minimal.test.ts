/**
 * `src/minimal.ts`, the one-page version, as a learner runs it (`pnpm start:minimal`): the
 * handshake of RFC 6455 §1.3, the greeting, then an echo; and frames read from a stream, as in
 * native-server's minimal version: two in one write, one across two writes, one sent along with
 * the upgrade request (echoed after the greeting).
 */
import { createConnection } from 'node:net';
import { FrameParser, Opcode, type ParserEvent } from 'shared';
import {
  type Program,
  RawClient,
  readHead,
  roundTrip,
  spawnProgram,
  whenClosed,
} from 'support/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { clientFrame, connect, packageDir } from './helpers.ts';

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
  const match = /^hello-server \(minimal\) listening on ws:\/\/localhost:(\d+)\/ws$/.exec(line);
  expect(match, line).not.toBeNull();
  return { program, port: Number(match?.[1]) };
}

describe('the minimal server', () => {
  it('greets a ws client with its address, then echoes a short text message', async () => {
    const { port } = await startMinimal();
    const { ws, greeting, binary } = await connect(`ws://localhost:${port}/ws`);
    expect(greeting).toMatch(/^Hello! Your IP is (127\.0\.0\.1|::1)$/);
    expect(binary).toBe(false);
    const echo = await roundTrip(ws, 'hello, minimal', false);
    expect(echo.isBinary).toBe(false);
    expect(echo.data.toString()).toBe('hello, minimal');
    const closed = whenClosed(ws);
    ws.terminate();
    await closed;
  });

  it("answers the RFC's key with its accept value, then sends the greeting frame", async () => {
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
    // The greeting may have come in the same chunk as the 101, or comes next: 0x81, its length.
    let frame = rest;
    if (frame.length === 0) {
      frame = await new Promise<Buffer>((resolve) => {
        socket.once('data', resolve);
        socket.resume();
      });
    }
    const text = `Hello! Your IP is ${socket.localAddress}`;
    expect([...frame.subarray(0, 2)]).toEqual([0x81, Buffer.byteLength(text)]);
    const events: ParserEvent[] = new FrameParser({ role: 'client' }).push(frame);
    expect(events[0]?.type === 'text' && events[0].data.toString()).toBe(text);
    socket.destroy();
  });

  it('echoes two frames that arrive in one write, the second one too', async () => {
    const { port } = await startMinimal();
    const client = await greeted(port);
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
    const client = await greeted(port);
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

  it('greets first, then echoes a frame sent in the same write as the upgrade request', async () => {
    const { port } = await startMinimal();
    const client = await RawClient.connect(port, 'localhost', '/ws', {
      withRequest: clientFrame(Opcode.Text, 'along with the request'),
    });
    // A frame sent after the 101: had the first been lost, this one would come first.
    client.write(clientFrame(Opcode.Text, 'after the 101'));
    expect(textOf(await client.next())).toMatch(/^Hello! Your IP is /);
    expect(textOf(await client.next())).toBe('along with the request');
    expect(textOf(await client.next())).toBe('after the 101');
    client.socket.destroy();
  });
});

/** A raw client past the handshake and the greeting. */
async function greeted(port: number): Promise<RawClient> {
  const client = await RawClient.connect(port, 'localhost');
  expect(textOf(await client.next())).toMatch(/^Hello! Your IP is /);
  return client;
}

/** The text of a text event, or what came instead. */
function textOf(event: Awaited<ReturnType<RawClient['next']>>): string | undefined {
  return event?.type === 'text' ? event.data.toString() : event?.type;
}
