import { createConnection } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { ServerOptions } from '../src/options.ts';
import type { RunningServer } from '../src/server.ts';
import { readHead } from './raw-client.ts';
import { testServerOptions } from './server-options.ts';

/** An upgrade request any server would take, but for its target, its Host and its version. */
function upgrade(target: string, host: string, version = '1.1'): string {
  return (
    `GET ${target} HTTP/${version}\r\n` +
    `Host: ${host}\r\n` +
    'Upgrade: websocket\r\n' +
    'Connection: Upgrade\r\n' +
    'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n' +
    'Sec-WebSocket-Version: 13\r\n' +
    '\r\n'
  );
}

/** A plain request, after which the server closes the connection. */
const plain = (target: string, host: string) =>
  `GET ${target} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`;

/**
 * The answer to a request: its status, and its body read until the server closes the
 * connection - unless it is a 101, which leaves the connection open (then the body is empty).
 */
async function answerTo(port: number, request: string): Promise<{ status: number; body: string }> {
  const socket = createConnection(port, '127.0.0.1');
  socket.on('error', () => {});
  socket.write(request);
  try {
    const { head, rest } = await readHead(socket);
    if (head.status === 101) return { status: 101, body: '' };
    const chunks = [rest];
    socket.resume();
    for await (const chunk of socket) chunks.push(chunk as Buffer);
    return { status: head.status, body: Buffer.concat(chunks).toString() };
  } finally {
    socket.destroy();
  }
}

const SOME_ID = '0b0e2bd2-43f5-4a0c-9a3f-4d1e0f6b9c21';

/**
 * What every server answers for, the same tests for all four (support/src/target.ts and
 * refuseBadTarget in support/src/http.ts, which every server calls first). Listening on loopback
 * - the default - a server answers only requests for a loopback name: a page that reaches it
 * through DNS rebinding names its own host, and gets 421. Opened to the network (HOST=0.0.0.0),
 * it takes any well-formed Host. And an upgrade needs HTTP/1.1 (RFC 6455 §4.1).
 */
export function targetContract(
  name: string,
  createServer: (options: ServerOptions) => Promise<RunningServer>,
): void {
  describe(`${name}: the hosts it answers for`, () => {
    let server: RunningServer | undefined;
    afterEach(async () => {
      await server?.close();
      server = undefined;
    });

    async function start(overrides: Partial<ServerOptions> = {}) {
      server = await createServer(testServerOptions({ name, ...overrides }));
      return server;
    }

    it('refuses the page, /inspect and /ws for a host that is not loopback, with 421', async () => {
      const { port } = await start();
      const hosts = [
        `attacker.example:${port}`,
        'attacker.example',
        `localhost.attacker.example:${port}`,
        `192.168.1.20:${port}`,
        `[::2]:${port}`,
      ];
      for (const host of hosts) {
        for (const request of [
          plain('/', host),
          plain(`/inspect/${SOME_ID}`, host),
          plain('/no-such-page', host),
          upgrade('/ws', host),
        ]) {
          const { status, body } = await answerTo(port, request);
          expect(status, `${host}: ${request.split('\r\n')[0]}`).toBe(421);
          // One line that says why (the page's answer comes in chunks: the line is in one).
          expect(body).toMatch(
            /(^|\n)this server listens on loopback and answers for localhost only, not for "[^"\n]+" \(see HOST in the README\)\n/,
          );
        }
      }
    });

    it('answers for localhost, *.localhost, 127.0.0.0/8 and [::1], with any port', async () => {
      const { port } = await start();
      const hosts = [
        `localhost:${port}`,
        'localhost',
        'LOCALHOST:1234',
        `app.localhost:${port}`,
        `127.0.0.1:${port}`,
        '127.0.0.2',
        `[::1]:${port}`,
      ];
      for (const host of hosts) {
        expect((await answerTo(port, upgrade('/ws', host))).status, host).toBe(101);
        expect((await answerTo(port, plain('/', host))).status, host).toBe(200);
      }
    });

    it('refuses a target in absolute form that names another host, whatever Host says', async () => {
      // RFC 9112 §3.2.2: with a target in absolute form, a server reads the host from the target.
      const { port } = await start();
      const host = `localhost:${port}`;
      for (const request of [
        upgrade('http://attacker.example/ws', host),
        upgrade(`ws://attacker.example:${port}/ws`, host),
        plain('http://attacker.example/', host),
      ]) {
        expect((await answerTo(port, request)).status, request).toBe(421);
      }
      // The same for this server: answered, the path taken from the target.
      expect((await answerTo(port, upgrade(`http://localhost:${port}/ws`, host))).status).toBe(101);
      // A path that starts with two slashes is a path, not a host: no endpoint there.
      expect((await answerTo(port, upgrade('//attacker.example/ws', host))).status).toBe(404);
    });

    it('opened to the network (HOST=0.0.0.0), takes any well-formed Host', async () => {
      const { port } = await start({ host: '0.0.0.0' });
      expect((await answerTo(port, upgrade('/ws', 'attacker.example'))).status).toBe(101);
      const absolute = upgrade('http://other.example/ws', 'other.example');
      expect((await answerTo(port, absolute)).status).toBe(101);
      expect((await answerTo(port, plain('/', 'my-laptop.lan:8080'))).status).toBe(200);
      // A malformed one is still refused: RFC 9110 §7.2.
      expect((await answerTo(port, upgrade('/ws', 'a b c'))).status).toBe(400);
    });

    it('refuses an upgrade over HTTP/1.0 with 400 (RFC 6455 §4.1)', async () => {
      const { port } = await start();
      const { status, body } = await answerTo(port, upgrade('/ws', `localhost:${port}`, '1.0'));
      expect(status).toBe(400);
      expect(body).toBe('HTTP/1.1 or later is required\n');
    });
  });
}
