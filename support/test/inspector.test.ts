import { once } from 'node:events';
import { get, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { createHttpServer } from '../src/http.ts';
import {
  ENTRIES_PER_TURN,
  type HeldEntry,
  Inspectors,
  MAX_HELD_BYTES,
  MAX_HELD_ENTRIES,
  requestLines,
} from '../src/inspector.ts';
import { subscribeToInspector } from '../testing/inspector-client.ts';
import { rawHttpExchange } from '../testing/raw-client.ts';

// The channel between a server and the frame inspector of its page, on a real HTTP server with
// real HTTP clients. Where a WebSocket connection would name a subscription, the test calls
// `attach` with what it reads of an upgrade request: the connections are the exercises' (their
// tests run them, in Chromium too); this is the channel that decides who gets what.

let server: Server | undefined;
/** The server's sockets, in the order they connected. */
let sockets: Socket[] = [];
afterEach(async () => {
  const running = server;
  server = undefined;
  sockets = [];
  if (running === undefined) return;
  running.closeAllConnections();
  await new Promise((resolve) => running.close(resolve));
});

async function start(
  inspectors = new Inspectors(),
  host: string | undefined = undefined,
): Promise<{ port: number; inspectors: Inspectors }> {
  server = createHttpServer({
    name: 'test',
    host,
    handshakeTimeout: 10_000,
    tls: undefined,
    inspectors,
  });
  server.on('connection', (socket: Socket) => sockets.push(socket));
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as AddressInfo).port, inspectors };
}

/** An upgrade request naming an id, as far as `attach` reads it: by default, from the server's own page. */
function upgradeNaming(
  id: string,
  options: { origin?: string | undefined; url?: string; encrypted?: boolean } = {},
): IncomingMessage {
  const origin = 'origin' in options ? options.origin : 'http://localhost:8082';
  return {
    url: options.url ?? `/ws?inspect=${id}`,
    headers: { host: 'localhost:8082', origin },
    socket: { encrypted: options.encrypted ?? false },
  } as unknown as IncomingMessage;
}

/** Held entries that count how often they are described. */
function counting() {
  const counter = {
    described: 0,
    entry(n: number, options: { size?: number; padding?: string } = {}): HeldEntry {
      return {
        size: options.size ?? 100,
        describe: () => {
          counter.described += 1;
          return { kind: 'frame', n, padding: options.padding };
        },
      };
    },
  };
  return counter;
}

const id = () => crypto.randomUUID();

describe('the frame inspector channel', () => {
  it('sends a connection to the subscription it names, and to no other', async () => {
    const { port, inspectors } = await start(new Inspectors({ connectWithin: 300 }));
    const [mine, other] = [id(), id()];
    const watching = await subscribeToInspector(port, mine);
    const guessing = await subscribeToInspector(port, other);
    expect([watching.status, guessing.status]).toEqual([200, 200]);

    const page = inspectors.attach(upgradeNaming(mine));
    page?.send({ kind: 'handshake' });
    page?.hold(counting().entry(1));
    page?.end('the connection is closed');
    expect(await watching.rest()).toEqual([
      { kind: 'handshake' },
      { kind: 'frame', n: 1 },
      { kind: 'end', reason: 'the connection is closed' },
    ]);
    // A subscription no connection names gets nothing, and ends.
    expect(await guessing.rest()).toEqual([
      { kind: 'end', reason: 'no WebSocket connection named this page' },
    ]);
  });

  it('serves the first connection that names a subscription, and no later one', async () => {
    const { port, inspectors } = await start();
    const mine = id();
    // A connection that names an id before anyone subscribed to it is not inspected, then or later.
    expect(inspectors.attach(upgradeNaming(mine))).toBeUndefined();
    await subscribeToInspector(port, mine);
    expect(inspectors.attach(upgradeNaming(mine))).toBeDefined();
    expect(inspectors.attach(upgradeNaming(mine))).toBeUndefined();
    expect(inspectors.attach({ ...upgradeNaming(mine), url: '/ws' } as IncomingMessage)).toBe(
      undefined,
    );
  });

  it("attaches only a connection whose Origin is the server's own", async () => {
    const { port, inspectors } = await start();
    const mine = id();
    await subscribeToInspector(port, mine);
    // Another site's page (DNS rebinding, or any page that names the id), no Origin at all,
    // the same server under another name (another origin), https:// without TLS, and a target
    // in absolute form (no browser sends one): not inspected - and the subscription still waits.
    for (const options of [
      { origin: 'http://attacker.example:8082' },
      { origin: undefined },
      { origin: 'http://127.0.0.1:8082' },
      { origin: 'https://localhost:8082' },
      { origin: 'null' },
      { url: `http://localhost:8082/ws?inspect=${mine}` },
    ]) {
      expect(inspectors.attach(upgradeNaming(mine, options)), JSON.stringify(options)).toBe(
        undefined,
      );
    }
    expect(inspectors.attach(upgradeNaming(mine))).toBeDefined();

    // Over TLS, the own origin is https://.
    const overTls = id();
    await subscribeToInspector(port, overTls);
    const https = { origin: 'https://localhost:8082', encrypted: true };
    const plainOrigin = { ...https, origin: 'http://localhost:8082' };
    expect(inspectors.attach(upgradeNaming(overTls, plainOrigin))).toBeUndefined();
    expect(inspectors.attach(upgradeNaming(overTls, https))).toBeDefined();
  });

  it('refuses a second subscriber to an id (409), a malformed id (400), another method (405)', async () => {
    const { port } = await start();
    const mine = id();
    expect((await subscribeToInspector(port, mine)).status).toBe(200);
    expect((await subscribeToInspector(port, mine)).status).toBe(409);
    for (const bad of ['1234', `${mine}x`, mine.toUpperCase(), `${mine.slice(0, -1)}g`]) {
      expect((await subscribeToInspector(port, bad)).status, bad).toBe(400);
    }
    const status = await new Promise<number>((resolve) => {
      const headers = { Host: `localhost:${port}` };
      const url = `http://127.0.0.1:${port}/inspect/${id()}`;
      get(url, { method: 'POST', headers }, (response) => resolve(response.statusCode ?? 0)).end();
    });
    expect(status).toBe(405);
  });

  it('has no count of subscriptions to run out of: 100 attached, and a newcomer is served', async () => {
    const { port, inspectors } = await start();
    for (let n = 0; n < 100; n++) {
      const page = id();
      expect((await subscribeToInspector(port, page)).status).toBe(200);
      expect(inspectors.attach(upgradeNaming(page))).toBeDefined();
    }
    const newcomer = id();
    const watching = await subscribeToInspector(port, newcomer);
    expect(watching.status).toBe(200);
    inspectors.attach(upgradeNaming(newcomer))?.end('the connection is closed');
    expect(await watching.rest()).toEqual([{ kind: 'end', reason: 'the connection is closed' }]);
  });

  it('holds at most MAX_HELD_ENTRIES entries, and MAX_HELD_BYTES', async () => {
    const { port, inspectors } = await start();
    const entries = counting();
    // Nothing is written before the next turn of the event loop: all of these are held.
    const [few, big] = [id(), id()];
    await subscribeToInspector(port, few);
    await subscribeToInspector(port, big);
    const page = inspectors.attach(upgradeNaming(few));
    let held = 0;
    while (page?.hasRoom) page.hold(entries.entry(held++, { size: 1 }));
    expect(held).toBe(MAX_HELD_ENTRIES);
    const bigPage = inspectors.attach(upgradeNaming(big));
    held = 0;
    while (bigPage?.hasRoom) bigPage.hold(entries.entry(held++, { size: 4096 }));
    expect(held).toBe(MAX_HELD_BYTES / 4096);
    expect(entries.described).toBe(0);
  });

  it('describes only what it writes: for a page that does not keep up, newer frames are counted, not held', async () => {
    const { port, inspectors } = await start();
    const mine = id();
    const watching = await subscribeToInspector(port, mine, { paused: true });
    const page = inspectors.attach(upgradeNaming(mine));
    const entries = counting();
    // 20,000 frames whose entries are 1 KiB, 20 MiB in all, made 500 per turn of the event loop,
    // as a connection makes them: far more than the socket buffers hold for a reader that has
    // stopped, and more in one turn than a page is written.
    const total = 20_000;
    const padding = 'x'.repeat(1024);
    let accepted = 0;
    let mostHeld = 0;
    for (let n = 0; n < total; n++) {
      if (page?.hasRoom) {
        page.hold(entries.entry(n, { padding }));
        accepted += 1;
        // Held: accepted, and not written (described) yet.
        mostHeld = Math.max(mostHeld, accepted - entries.described);
      } else page?.skip();
      if (n % 500 === 499) await nextTurn();
    }
    page?.end('the connection is closed');
    expect(mostHeld).toBe(MAX_HELD_ENTRIES);
    watching.response.resume();
    const read = await watching.rest();

    // The frames in order; where some were not shown, a notice says how many, in their place.
    let next = 0;
    for (const entry of read.slice(0, -1)) {
      if (entry.kind === 'frame') expect(entry.n).toBe(next++);
      else if (entry.kind === 'dropped') next += Number(entry.count);
      else throw new Error(`unexpected ${entry.kind}`);
    }
    expect(next).toBe(total);
    expect(read.at(-1)).toEqual({ kind: 'end', reason: 'the connection is closed' });
    // Each frame shown was described once; none of the others was.
    const shown = read.filter((entry) => entry.kind === 'frame').length;
    expect(shown).toBeLessThan(total / 2);
    expect(entries.described).toBe(shown);
  });

  it(`writes at most ENTRIES_PER_TURN (${ENTRIES_PER_TURN}) entries per turn of the event loop`, async () => {
    const { port, inspectors } = await start();
    const mine = id();
    const watching = await subscribeToInspector(port, mine);
    const page = inspectors.attach(upgradeNaming(mine));
    const entries = counting();
    for (let n = 0; n < 100; n++) page?.hold(entries.entry(n));
    expect(entries.described).toBe(0);
    await nextTurn();
    expect(entries.described).toBe(ENTRIES_PER_TURN);
    await nextTurn();
    expect(entries.described).toBe(2 * ENTRIES_PER_TURN);
    page?.end('the connection is closed');
    expect((await watching.rest()).length).toBe(101);
    expect(entries.described).toBe(100);
  });

  it('cuts the stream of a page that has not read its end within finishWithin', async () => {
    const { port, inspectors } = await start(new Inspectors({ finishWithin: 200 }));
    const mine = id();
    const watching = await subscribeToInspector(port, mine, { paused: true });
    const page = inspectors.attach(upgradeNaming(mine));
    const entries = counting();
    const padding = 'x'.repeat(64 * 1024);
    // Enough to fill the socket buffers of a page that does not read.
    for (let n = 0; page?.hasRoom; n++) {
      page.hold(entries.entry(n, { padding }));
      if (n % ENTRIES_PER_TURN === 0) await nextTurn();
    }
    page?.end('the connection is closed');
    // The server's end of the page's stream closes, though the page never read.
    await once(sockets[0] as Socket, 'close');
    // Its id is free again: a subscription that ends is forgotten.
    expect((await subscribeToInspector(port, mine)).status).toBe(200);
    watching.response.destroy();
  });

  it('hides the values of Cookie, Authorization and Proxy-Authorization', () => {
    const request = {
      method: 'GET',
      url: '/ws?inspect=x',
      httpVersion: '1.1',
      rawHeaders: [
        'Host',
        'localhost:8082',
        'Cookie',
        'session=secret',
        'authorization',
        'Bearer secret',
        'PROXY-AUTHORIZATION',
        'Basic secret',
        'Origin',
        'http://localhost:8082',
      ],
    } as IncomingMessage;
    expect(requestLines(request)).toEqual([
      'GET /ws?inspect=x HTTP/1.1',
      'Host: localhost:8082',
      'Cookie: (hidden: credentials are never shown)',
      'authorization: (hidden: credentials are never shown)',
      'PROXY-AUTHORIZATION: (hidden: credentials are never shown)',
      'Origin: http://localhost:8082',
    ]);
  });

  it('turned off: no /inspect (404), no connection attached, and the page says so', async () => {
    const { port, inspectors } = await start(new Inspectors({ enabled: false }));
    const mine = id();
    expect((await subscribeToInspector(port, mine)).status).toBe(404);
    expect(inspectors.attach(upgradeNaming(mine))).toBeUndefined();
    const page = await rawHttpExchange(
      port,
      `GET / HTTP/1.1\r\nHost: localhost:${port}\r\nConnection: close\r\n\r\n`,
    );
    expect(page.body).toContain('<body data-frames="off">');
  });

  it('listening on loopback, refuses the page and /inspect for another host (421)', async () => {
    const { port } = await start();
    const host = { host: `attacker.example:${port}` };
    expect((await subscribeToInspector(port, id(), host)).status).toBe(421);
    const page = await rawHttpExchange(
      port,
      `GET / HTTP/1.1\r\nHost: attacker.example:${port}\r\nConnection: close\r\n\r\n`,
    );
    expect(page.head.status).toBe(421);
    expect(page.body).toContain(
      `this server listens on loopback and answers for localhost only, not for "attacker.example:${port}" (see HOST in the README)\n`,
    );
  });

  it('opened to the network (HOST=0.0.0.0), serves any well-formed Host', async () => {
    const { port } = await start(new Inspectors(), '0.0.0.0');
    expect((await subscribeToInspector(port, id(), { host: 'my-laptop.lan' })).status).toBe(200);
  });
});
