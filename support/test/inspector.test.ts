import { get, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { createHttpServer } from '../src/http.ts';
import { Inspectors, MAX_HELD_ENTRIES, MAX_INSPECTORS } from '../src/inspector.ts';

// The channel between a server and the frame inspector of its page, on a real HTTP server with
// real HTTP clients. Where a WebSocket connection would name a subscription, the test calls
// `attach` with the URL of its upgrade request: the connections are the exercises' (their
// Chromium tests run them); this is the channel that decides who gets what.

let server: Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
  server = undefined;
});

async function start(
  inspectors = new Inspectors(),
): Promise<{ port: number; inspectors: Inspectors }> {
  server = createHttpServer({ name: 'test', handshakeTimeout: 10_000, tls: undefined, inspectors });
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as AddressInfo).port, inspectors };
}

/** An upgrade request naming an id, as far as `attach` reads it. */
const upgradeNaming = (id: string) => ({ url: `/ws?inspect=${id}` }) as IncomingMessage;

/** A subscriber: its status, and the entries it reads until the stream ends. */
function subscribe(port: number, id: string, options: { paused?: boolean } = {}) {
  return new Promise<{ status: number; response: IncomingMessage; entries: Promise<unknown[]> }>(
    (resolve, reject) => {
      get(`http://127.0.0.1:${port}/inspect/${id}`, (response) => {
        if (options.paused) response.pause();
        const entries = new Promise<unknown[]>((done) => {
          let text = '';
          response.setEncoding('utf8');
          response.on('data', (chunk: string) => {
            text += chunk;
          });
          response.on('end', () =>
            done(
              text
                .split('\n\n')
                .filter((event) => event.startsWith('data: '))
                .map((event) => JSON.parse(event.slice('data: '.length))),
            ),
          );
        });
        resolve({ status: response.statusCode ?? 0, response, entries });
      }).on('error', reject);
    },
  );
}

const id = () => crypto.randomUUID();

describe('the frame inspector channel', () => {
  it('sends a connection to the subscription it names, and to no other', async () => {
    const { port, inspectors } = await start(new Inspectors({ connectWithin: 300 }));
    const [mine, other] = [id(), id()];
    const watching = await subscribe(port, mine);
    const guessing = await subscribe(port, other);
    expect([watching.status, guessing.status]).toEqual([200, 200]);

    const page = inspectors.attach(upgradeNaming(mine));
    page?.send({ kind: 'frame', n: 1 });
    page?.end('the connection is closed');
    expect(await watching.entries).toEqual([
      { kind: 'frame', n: 1 },
      { kind: 'end', reason: 'the connection is closed' },
    ]);
    // A subscription no connection names gets nothing, and ends.
    expect(await guessing.entries).toEqual([
      { kind: 'end', reason: 'no WebSocket connection named this page' },
    ]);
  });

  it('serves the first connection that names a subscription, and no later one', async () => {
    const { port, inspectors } = await start();
    const mine = id();
    // A connection that names an id before anyone subscribed to it is not inspected, then or later.
    expect(inspectors.attach(upgradeNaming(mine))).toBeUndefined();
    await subscribe(port, mine);
    expect(inspectors.attach(upgradeNaming(mine))).toBeDefined();
    expect(inspectors.attach(upgradeNaming(mine))).toBeUndefined();
    expect(inspectors.attach({ url: '/ws' } as IncomingMessage)).toBeUndefined();
  });

  it('refuses a second subscriber to an id (409), a malformed id (400), another method (405)', async () => {
    const { port } = await start();
    const mine = id();
    expect((await subscribe(port, mine)).status).toBe(200);
    expect((await subscribe(port, mine)).status).toBe(409);
    for (const bad of ['1234', `${mine}x`, mine.toUpperCase(), `${mine.slice(0, -1)}g`]) {
      expect((await subscribe(port, bad)).status, bad).toBe(400);
    }
    const status = await new Promise<number>((resolve) => {
      const request = get(`http://127.0.0.1:${port}/inspect/${id()}`, { method: 'POST' }, (r) =>
        resolve(r.statusCode ?? 0),
      );
      request.end();
    });
    expect(status).toBe(405);
  });

  it(`takes at most ${MAX_INSPECTORS} subscriptions at once (503)`, async () => {
    const { port } = await start();
    const open: Awaited<ReturnType<typeof subscribe>>[] = [];
    for (let i = 0; i < MAX_INSPECTORS; i++) open.push(await subscribe(port, id()));
    expect(open.every((subscription) => subscription.status === 200)).toBe(true);
    const refused = await subscribe(port, id());
    expect(refused.status).toBe(503);
    expect(refused.response.headers['retry-after']).toBe('10');
    // One goes away: its place is free again.
    open[0]?.response.destroy();
    await new Promise((resolve) => open[0]?.response.socket.once('close', resolve));
    let status = 503;
    while (status === 503) status = (await subscribe(port, id())).status;
    expect(status).toBe(200);
  });

  it('holds little for a subscriber that does not read: the oldest entries are dropped, and counted', async () => {
    const { port, inspectors } = await start();
    const mine = id();
    const watching = await subscribe(port, mine, { paused: true });
    const page = inspectors.attach(upgradeNaming(mine));
    // 20,000 entries of 1 KiB, 20 MiB in all, made over many turns of the event loop, as
    // frames are: far more than the socket buffers hold for a reader that has stopped.
    const total = 20_000;
    const padding = 'x'.repeat(1024);
    for (let n = 0; n < total; n++) {
      page?.send({ kind: 'frame', n, padding });
      if (n % 500 === 499) await nextTurn();
    }
    page?.end('the connection is closed');
    watching.response.resume();
    const entries = (await watching.entries) as { kind: string; n?: number; count?: number }[];

    const frames = entries.filter((entry) => entry.kind === 'frame');
    const dropped = entries.filter((entry) => entry.kind === 'dropped');
    const droppedCount = dropped.reduce((sum, entry) => sum + (entry.count ?? 0), 0);
    expect(droppedCount).toBeGreaterThan(0);
    // Every entry is either read or counted as dropped; the ones read are in order, the newest
    // last; after the last notice come at most the entries that were held.
    expect(frames.length + droppedCount).toBe(total);
    const numbers = frames.map((entry) => entry.n ?? -1);
    expect(numbers).toEqual([...numbers].sort((a, b) => a - b));
    expect(numbers.at(-1)).toBe(total - 1);
    const afterLastNotice = entries.length - 1 - entries.lastIndexOf(dropped.at(-1)!) - 1;
    expect(afterLastNotice).toBeLessThanOrEqual(MAX_HELD_ENTRIES);
    expect(entries.at(-1)).toEqual({ kind: 'end', reason: 'the connection is closed' });
  });
});
