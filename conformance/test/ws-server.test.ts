/**
 * The plain `ws` server, as ws's README writes an echo server: an independent implementation,
 * checked for what it gives. It reads frames as strictly as the RFC asks; what it leaves to the
 * program around it - the HTTP version, the Host header, the 426 for a plain request - shows as
 * FAILED, which is why the project's ws servers check Host and the path themselves first.
 */
import type { AddressInfo } from 'node:net';
import { afterEach, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { check, LOADED } from './support/check.ts';

let wss: WebSocketServer | undefined;
afterEach(async () => {
  for (const client of wss?.clients ?? []) client.terminate();
  await new Promise((resolve) => wss?.close(resolve));
  wss = undefined;
});

/** What plain ws 8.23 breaks, by section and title: the same list every run. */
const WS_FAILS = [
  '4.2.1 HTTP/1.0',
  'RFC 9110 7.2 no Host header',
  'RFC 9110 7.2 two Host headers with different values',
  'RFC 9110 7.2 two Host headers with the same value',
  'RFC 9110 7.2 the Host value "local host"',
  'RFC 9110 7.2 the Host value "localhost:80:80"',
  'RFC 9110 7.2 the Host value "localhost:port"',
  'RFC 9110 7.2 the Host value "[::1"',
  'RFC 9110 7.2 the Host value "exa/mple"',
  'RFC 9110 15.5.22 a plain GET of the endpoint, with no upgrade headers',
];

it('plain ws: every frame rule kept; the HTTP version, Host and the 426 left to the program', async () => {
  wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  wss.on('connection', (ws) => {
    ws.on('error', () => {}); // a client that breaks a rule: ws closes it and reports it here
    ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
  });
  await new Promise((resolve) => wss?.once('listening', resolve));
  const { port } = wss.address() as AddressInfo;
  const { status, report } = await check([`ws://127.0.0.1:${port}/`, '--timeout', LOADED]);
  const failed = (report?.cases ?? []).filter((result) => result.verdict === 'FAILED');
  expect(failed.map((result) => `${result.section} ${result.title}`)).toEqual(WS_FAILS);
  expect(status).toBe(1);
});
