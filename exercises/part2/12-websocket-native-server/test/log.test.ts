/**
 * What the log shows of what a peer sent: a Host header, an Origin, a close reason, header lines
 * with --trace. A peer chooses those bytes, so the log escapes every control character in them:
 * none reaches the terminal, where it could clear the screen or forge a line.
 */
import { Opcode } from 'shared';
import { controlCharactersIn, rawHttpExchange } from 'support/testing';
import { expect, it } from 'vitest';
import { clientFrame, closePayload, serverPerTest } from './helpers.ts';

const start = serverPerTest();

// ESC [2J clears the screen, U+009B is CSI in one character (ESC [ on terminals that take 8-bit
// controls), DEL, and ESC ] 0;...BEL retitles the window.
const HOSTILE = '\x1b[2JFAKE\u009b2J\x7f\x1b]0;owned\x07';
const ESCAPED = '\\u001b[2JFAKE\\u009b2J\\u007f\\u001b]0;owned\\u0007';

it('escapes a hostile Origin with --trace and in the line that refuses it; a bad Host shows nowhere', async () => {
  const { server, output } = await start({ trace: true, allowedOrigins: ['http://localhost'] });
  // HTTP allows bytes 0x80-0xFF in a header value (obs-text) and Node reads them as latin1:
  // 0x9b arrives as U+009B. Node itself refuses ESC and DEL in a header.
  const hostile = (headers: string) =>
    Buffer.from(
      `GET /ws HTTP/1.1\r\n${headers}Upgrade: websocket\r\nConnection: Upgrade\r\n` +
        'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
      'latin1',
    );
  const badHost = await rawHttpExchange(server.port, hostile('Host: a\u009b2J.example\r\n'));
  expect(badHost.head.status).toBe(400);
  const badOrigin = await rawHttpExchange(
    server.port,
    hostile('Host: localhost\r\nOrigin: http://a\u009b2J.example\r\n'),
  );
  expect(badOrigin.head.status).toBe(403);

  await output.waitFor(/^refused .*: 403 /);
  for (const line of output.lines) expect(controlCharactersIn(line)).toEqual([]);
  // (A malformed Host is refused before the request is traced or logged: nothing of it shows.)
  expect(output.lines).toEqual(
    expect.arrayContaining([
      expect.stringMatching(/ >> {3}Origin: http:\/\/a\\u009b2J\.example$/),
      expect.stringMatching(/: 403 origin http:\/\/a\\u009b2J\.example is not allowed$/),
    ]),
  );
});

it('escapes a hostile close reason, in the disconnect line and with --trace', async () => {
  const { output, rawClient } = await start({ trace: true });
  const client = await rawClient();
  client.write(clientFrame(Opcode.Close, closePayload(1000, HOSTILE)));
  await client.closed;
  const disconnected = await output.waitFor(/^disconnected: /);
  expect(disconnected).toMatch(
    new RegExp(`, code 1000 \\(Normal Closure\\), reason "${escapeRegExp(ESCAPED)}"$`),
  );
  const traced = await output.waitFor(/ >> FIN=1 RSV=000 opcode=CLOSE/);
  expect(traced).toContain(`reason="${ESCAPED}"`);
  for (const line of output.lines) expect(controlCharactersIn(line)).toEqual([]);
});

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
