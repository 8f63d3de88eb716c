/**
 * Frames over raw TCP, after the greeting: what a correct client library would never send. Each
 * broken rule is answered with a close frame carrying the exact status code, then the end of the
 * TCP connection; the server keeps serving everyone else. (This is native-server's code; its
 * tests go through every rule.)
 */
import { encodeFrame, Opcode } from 'shared';
import { describe, expect, it } from 'vitest';
import {
  clientFrame,
  closePayload,
  expectCloseThenEnd,
  expectStillServing,
  rawFrame,
  serverPerTest,
} from './helpers.ts';

const start = serverPerTest();

describe('protocol errors close the connection with the exact code', () => {
  it.each([
    {
      rule: 'an unmasked client frame (§5.1)',
      bytes: encodeFrame({ opcode: Opcode.Text, payload: Buffer.from('hi') }),
      code: 1002,
    },
    {
      rule: 'RSV1 set with no extension negotiated (§5.2)',
      bytes: rawFrame({ opcode: Opcode.Text, rsv: 0b100, payload: 'hi' }),
      code: 1002,
    },
    {
      // 0xFF never appears in UTF-8.
      rule: 'invalid UTF-8 in a text message (§8.1)',
      bytes: clientFrame(Opcode.Text, Buffer.from([0x68, 0x69, 0xff])),
      code: 1007,
    },
  ])('answers $rule with $code', async ({ bytes, code }) => {
    const { server, rawClient } = await start();
    const client = await rawClient();
    client.write(bytes);
    await expectCloseThenEnd(client, code);
    await expectStillServing(server);
  });
});

describe('message size limit (MAX_PAYLOAD, RFC 6455 §10.4)', () => {
  it('echoes a message of exactly MAX_PAYLOAD bytes', async () => {
    const { rawClient } = await start({ maxPayload: 1000 });
    const client = await rawClient();
    client.write(clientFrame(Opcode.Binary, Buffer.alloc(1000, 0x2a)));
    const echo = await client.next();
    expect(echo?.type === 'binary' && echo.data.length).toBe(1000);
  });

  it('closes with 1009 on a 1001-byte frame', async () => {
    const { server, rawClient } = await start({ maxPayload: 1000 });
    const client = await rawClient();
    client.write(clientFrame(Opcode.Binary, Buffer.alloc(1001)));
    await expectCloseThenEnd(client, 1009);
    await expectStillServing(server);
  });

  it('closes with 1009 as soon as a header announces more, before any payload', async () => {
    const { server, rawClient } = await start({ maxPayload: 1000 });
    const client = await rawClient();
    // Only the header is sent: the length alone must be enough to refuse the message.
    client.write(rawFrame({ opcode: Opcode.Binary, length: 2n ** 62n }));
    await expectCloseThenEnd(client, 1009);
    await expectStillServing(server);
  });
});

describe('fragments and control frames', () => {
  it('answers a ping between two fragments, then echoes the message whole (§5.4)', async () => {
    const { rawClient } = await start();
    const client = await rawClient();
    client.write(
      Buffer.concat([
        clientFrame(Opcode.Text, 'Hel', false),
        clientFrame(Opcode.Ping, 'are you there?'),
        clientFrame(Opcode.Continuation, 'lo'),
      ]),
    );
    expect(await client.next()).toMatchObject({ type: 'pong' });
    const echo = await client.next();
    expect(echo?.type === 'text' && echo.data.toString()).toBe('Hello');
  });

  it('answers a close with a close echoing the code, then ends TCP first (§5.5.1, §7.1.1)', async () => {
    const { output, rawClient } = await start();
    const client = await rawClient();
    client.write(clientFrame(Opcode.Close, closePayload(1000, 'bye')));
    await expectCloseThenEnd(client, 1000);
    await output.waitFor(
      /^disconnected: 127\.0\.0\.1:\d+, code 1000 \(Normal Closure\), reason "bye"$/,
    );
  });
});
