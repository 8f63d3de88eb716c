/**
 * src/minimal.ts, the client at its smallest, run as a program with its input from a pipe:
 * against an echo server built with `ws` (another implementation, so the handshake and the masked
 * frames written by hand are checked by code that did not write them), and against raw servers
 * that split and join frames, answer the close late, or close first.
 */
import { acceptResponse, encodeFrame, Opcode } from 'shared';
import { expect, it } from 'vitest';
import {
  cleanUpAfterEachTest,
  closePayload,
  rawServer,
  startEchoServer,
  startMinimalProgram,
} from './helpers.ts';

cleanUpAfterEachTest();

const CONNECTED = 'Connected: each line you type is sent; Ctrl+D closes.';

const text = (data: string) => encodeFrame({ opcode: Opcode.Text, payload: Buffer.from(data) });

it('sends each line, prints each echo, closes with 1000 at the end of input, exits 0', async () => {
  const server = await startEchoServer();
  const program = startMinimalProgram(server.url);
  // A line over 125 bytes does not fit the 7-bit length: it is not sent, and the next one is.
  program.child.stdin?.end(`a\nélan vital\n${'x'.repeat(126)}\nb\n`);
  expect(await program.exited).toEqual({ code: 0, signal: null });
  expect(program.stdout.lines).toEqual([
    CONNECTED,
    'Received: a',
    'Received: élan vital',
    'Received: b',
  ]);
  expect(program.stderr.lines).toEqual(['a line of more than 125 bytes: not sent']);
  // The server read the masked text frames, then the masked close frame with 1000.
  await server.log.waitFor(/^disconnected: .*, code 1000 \(Normal Closure\)$/);
  expect(server.log.lines.filter((line) => line.startsWith('Received'))).toEqual([
    'Received: a',
    'Received: élan vital',
    'Received: b',
  ]);
});

it('reads bytes as they come: two frames in one read, one frame across two reads', async () => {
  let program: ReturnType<typeof startMinimalProgram> | undefined;
  const three = text('three');
  const url = await rawServer(async (client) => {
    // One write: two whole frames and the first half of a third...
    client.write(Buffer.concat([text('one'), text('two'), three.subarray(0, 4)]));
    // ...and the rest of it once the client has printed the first two: a read of its own.
    await program?.output.waitFor(/^Received: two$/);
    client.write(three.subarray(4));
    const close = await client.nextClose();
    client.write(encodeFrame({ opcode: Opcode.Close, payload: closePayload(close.code) }));
    client.socket.end(); // RFC 6455 §7.1.1: the server closes TCP first
  });
  program = startMinimalProgram(url);
  await program.output.waitFor(/^Received: three$/);
  program.child.stdin?.end();
  expect(await program.exited).toEqual({ code: 0, signal: null });
  expect(program.output.lines).toEqual([
    CONNECTED,
    'Received: one',
    'Received: two',
    'Received: three',
  ]);
});

it("after its close frame, still prints what comes until the server's close", async () => {
  let close: Promise<{ code: number; reason: string }> | undefined;
  const url = await rawServer((client) => {
    close = client.nextClose();
    // Once the client's close is in: a message sent before the server saw it, then the answer,
    // then the end of TCP.
    void close.then(() => {
      client.write(
        text('one more'),
        encodeFrame({ opcode: Opcode.Close, payload: closePayload(1000) }),
      );
      client.socket.end();
    });
  });
  const program = startMinimalProgram(url);
  program.child.stdin?.end();
  expect(await program.exited).toEqual({ code: 0, signal: null });
  expect(await close).toEqual({ code: 1000, reason: '' });
  expect(program.output.lines).toEqual([CONNECTED, 'Received: one more']);
});

it('when the server closes first, answers with its code and ends, input still open', async () => {
  let answer: Promise<{ code: number; reason: string }> | undefined;
  const url = await rawServer((client) => {
    client.write(encodeFrame({ opcode: Opcode.Close, payload: closePayload(1001) }));
    answer = client.nextClose();
    void answer.then(() => client.socket.end());
  });
  const program = startMinimalProgram(url); // stdin stays open: nobody pressed Ctrl+D
  expect(await program.exited).toEqual({ code: 0, signal: null });
  expect(await answer).toEqual({ code: 1001, reason: '' });
});

it('answers a ping with a pong that carries its payload (the servers ping on a heartbeat)', async () => {
  let answered: (event: unknown) => void = () => {};
  const answer = new Promise((resolve) => {
    answered = resolve;
  });
  const url = await rawServer((client) => {
    client.write(encodeFrame({ opcode: Opcode.Ping, payload: Buffer.from('still there?') }));
    void client.next().then(answered);
  });
  startMinimalProgram(url); // stopped after the test
  expect(await answer).toEqual({ type: 'pong', data: Buffer.from('still there?') });
});

it('refuses a 101 whose Sec-WebSocket-Accept is wrong: one line, exit 1', async () => {
  const url = await rawServer(
    () => {},
    () => acceptResponse('not the key the client sent'),
  );
  const program = startMinimalProgram(url);
  expect(await program.exited).toEqual({ code: 1, signal: null });
  expect(program.output.lines).toEqual(['handshake failed: HTTP/1.1 101 Switching Protocols']);
});
