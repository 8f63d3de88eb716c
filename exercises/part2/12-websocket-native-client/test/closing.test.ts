/**
 * How a connection ends, in this process against raw servers: the server closes (the code decides
 * the exit code), the client closes (end of input, Ctrl+C) and waits for the answer - bounded -,
 * or the connection is simply lost (1006).
 */
import { encodeFrame, Opcode } from 'shared';
import { describe, expect, it } from 'vitest';
import {
  type ClientSide,
  CONNECTED,
  cleanUpAfterEachTest,
  closePayload,
  rawServer,
  startClient,
} from './helpers.ts';

cleanUpAfterEachTest();

const frame = (opcode: number, payload: Buffer | string = '') =>
  encodeFrame({ opcode, payload: Buffer.from(payload) });

/** A raw server, and the connection it got (once the client is connected). */
async function rawServerAndClient(onConnection: (server: ClientSide) => void = () => {}) {
  let resolve: (server: ClientSide) => void = () => {};
  const connection = new Promise<ClientSide>((r) => {
    resolve = r;
  });
  const url = await rawServer((server) => {
    onConnection(server);
    resolve(server);
  });
  const client = startClient(url);
  return { client, server: await connection };
}

describe('the server closes', () => {
  it.each([
    { code: 1000, reason: 'done', line: 'code 1000 (Normal Closure), reason "done"', exit: 0 },
    {
      code: 1001,
      reason: 'server shutting down',
      line: 'code 1001 (Going Away), reason "server shutting down"',
      exit: 0,
    },
    { code: 4000, reason: 'kicked', line: 'code 4000 (private use), reason "kicked"', exit: 1 },
    { code: 1011, reason: '', line: 'code 1011 (Internal Error)', exit: 1 },
  ])('with $code: prints the code and reason, answers with it, exit $exit', async (close) => {
    const { client, server } = await rawServerAndClient();
    await client.stdout.waitFor(/^Connected!/);
    server.write(frame(Opcode.Close, closePayload(close.code, close.reason)));
    // RFC 6455 §5.5.1: the client answers with a close frame, echoing the code.
    expect((await server.nextClose()).code).toBe(close.code);
    server.socket.end(); // §7.1.1: the server closes TCP first
    expect(await client.finished).toBe(close.exit);
    expect(client.output.lines).toEqual([CONNECTED, `server closed the connection: ${close.line}`]);
  });

  it('without a code (1005): answered without one, a clean close, exit 0', async () => {
    const { client, server } = await rawServerAndClient();
    await client.stdout.waitFor(/^Connected!/);
    server.write(frame(Opcode.Close));
    expect(await server.nextClose()).toEqual({ code: 1005, reason: '' });
    expect(server.frames.at(-1)?.payload).toHaveLength(0);
    server.socket.end();
    // RFC 6455 §7.1.5: a close frame without a code is read as 1005. The server closed the
    // connection properly; it just did not say why.
    expect(await client.finished).toBe(0);
    expect(client.output.lines).toEqual([
      CONNECTED,
      'server closed the connection: code 1005 (No Status Received)',
    ]);
  });

  it('leaves closing TCP to the server (§7.1.1): done as soon as it does', async () => {
    const { client, server } = await rawServerAndClient();
    await client.stdout.waitFor(/^Connected!/);
    server.write(frame(Opcode.Close, closePayload(1000)));
    await server.nextClose();
    const closedAt = Date.now();
    server.socket.end();
    expect(await client.finished).toBe(0);
    // Well before its own 2 s timer would have cut the connection.
    expect(Date.now() - closedAt).toBeLessThan(1900);
  });

  it('...but cuts TCP itself when the server does not, after 2 s', async () => {
    const { client, server } = await rawServerAndClient();
    await client.stdout.waitFor(/^Connected!/);
    server.write(frame(Opcode.Close, closePayload(1000)));
    await server.nextClose();
    const answeredAt = Date.now();
    // The server keeps TCP open: the client waits for it, then gives up and closes.
    await server.closed;
    expect(Date.now() - answeredAt).toBeGreaterThanOrEqual(1900);
    expect(await client.finished).toBe(0);
  });
});

describe('the client closes', () => {
  it.each([
    ['at the end of its input', (client: ReturnType<typeof startClient>) => client.input.end()],
    ['on Ctrl+C', (client: ReturnType<typeof startClient>) => client.interrupt()],
  ])(
    '%s: close 1000, then waits for the answer, printing what comes before it',
    async (_what, stop) => {
      const { client, server } = await rawServerAndClient();
      await client.stdout.waitFor(/^Connected!/);
      client.type('bye soon');
      expect(await server.next()).toMatchObject({ type: 'text' });
      stop(client);
      expect(await server.nextClose()).toEqual({ code: 1000, reason: '' });
      // A message the server sent before it saw the close is still delivered (§5.5.1), then the
      // server's close frame ends the handshake.
      server.write(frame(Opcode.Text, 'one last thing'), frame(Opcode.Close, closePayload(1000)));
      server.socket.end();
      expect(await client.finished).toBe(0);
      expect(client.output.lines).toEqual([
        CONNECTED,
        'Received: one last thing',
        'closed: code 1000 (Normal Closure)',
      ]);
      expect(client.listeningForInterrupt).toBe(false);
    },
  );

  it('listens for Ctrl+C by the time it prints "Ctrl+C to quit"', async () => {
    // Otherwise a Ctrl+C (SIGINT) right after the prompt meets no handler, and Node's default
    // kills the program at once: no close frame, the server sees 1006.
    const { client } = await rawServerAndClient();
    await client.stdout.waitFor(/^Connected!/);
    expect(client.listeningWhenConnected).toBe(true);
  });

  it('sends every piped line, the last one even without a newline, before closing', async () => {
    const { client, server } = await rawServerAndClient();
    client.input.end('a\nb\nno newline at the end');
    const received = [];
    for (;;) {
      const event = await server.next();
      if (event === undefined || event.type !== 'text') {
        expect(event).toMatchObject({ type: 'close', code: 1000 });
        break;
      }
      received.push(event.data.toString());
    }
    expect(received).toEqual(['a', 'b', 'no newline at the end']);
    server.write(frame(Opcode.Close, closePayload(1000)));
    server.socket.end();
    expect(await client.finished).toBe(0);
  });

  it('a server that never answers the close: gives up after 2 s, still exit 0', async () => {
    const { client, server } = await rawServerAndClient();
    await client.stdout.waitFor(/^Connected!/);
    client.input.end();
    await server.nextClose();
    const sentAt = Date.now();
    expect(await client.finished).toBe(0);
    expect(Date.now() - sentAt).toBeGreaterThanOrEqual(1900);
    expect(client.output.lines).toEqual([
      CONNECTED,
      'the server did not answer the close; closing anyway',
    ]);
    expect(client.stderr.lines).toEqual(['the server did not answer the close; closing anyway']);
  });
});

describe('the connection is lost', () => {
  it('dropped without a close frame: says so (1006), exit 1', async () => {
    const { client, server } = await rawServerAndClient();
    await client.stdout.waitFor(/^Connected!/);
    server.socket.destroy();
    expect(await client.finished).toBe(1);
    expect(client.output.lines).toEqual([
      CONNECTED,
      'connection lost without a close frame (1006)',
    ]);
    expect(client.stderr.lines).toEqual(['connection lost without a close frame (1006)']);
  });

  it('dropped in the middle of a message: the same', async () => {
    const { client, server } = await rawServerAndClient();
    server.write(encodeFrame({ opcode: Opcode.Text, payload: Buffer.from('half a'), fin: false }));
    server.socket.end();
    expect(await client.finished).toBe(1);
    expect(client.output.lines).toEqual([
      CONNECTED,
      'connection lost without a close frame (1006)',
    ]);
  });
});
