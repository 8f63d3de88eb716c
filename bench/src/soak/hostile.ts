// The hostile clients of the soak, in a process of their own (forked by main.ts): `perKind`
// clients of every kind in hostile-kinds.ts at once. Each connects, misbehaves, and is counted by
// how the server ended it; then it connects again, until the run is over.
import { createConnection, type Socket } from 'node:net';
import { FrameParser, ResponseHeadReader, upgradeRequest } from 'shared';
import { HOSTILE_KINDS, type HostileKind } from './hostile-kinds.ts';
import { Times, type TimesSummary } from './times.ts';
import { runWorker } from './worker.ts';

export interface HostileConfig {
  port: number;
  perKind: number;
}

export interface HostileProgress {
  open: number;
  ended: number;
}

export interface HostileKindResult {
  name: string;
  /** How its connections ended: "close 1009", "HTTP 408", "cut", "open at the end", ... */
  outcomes: Record<string, number>;
  /** How long each connection lasted, from connect to its end. */
  lifetime: TimesSummary;
}

/** After the server ended a hostile client, it connects again after this long. */
const RECONNECT_MS = 100;

let stopping = false;
let ended = 0;
const open = new Map<Socket, () => void>();

/**
 * One connection of `kind`: resolves with how it ended. The tool reads the server's answer - an
 * HTTP status, or a close frame - with `shared`'s parsers; a kind that never reads can only tell
 * that the connection ended.
 */
function attempt(kind: HostileKind, port: number): Promise<string> {
  const socket = createConnection(port, '127.0.0.1');
  socket.on('error', () => {}); // resets and refused writes are part of the game
  const head = new ResponseHeadReader();
  const frames = new FrameParser({ role: 'client', maxPayload: 2 ** 31 });
  let upgraded = false;
  let outcome: string | undefined;
  // The one outcome this connection must have, when its kind says so (invalid frames).
  let mustBe: string | undefined;

  const onData = (bytes: Buffer) => {
    let chunk = bytes;
    if (!upgraded) {
      const result = head.push(chunk);
      if (result.type === 'incomplete') return;
      if (result.type === 'invalid' || result.head.status !== 101) {
        outcome = result.type === 'invalid' ? 'bad HTTP answer' : `HTTP ${result.head.status}`;
        socket.destroy();
        return;
      }
      upgraded = true;
      if (!kind.reads) socket.pause();
      mustBe = kind.start(socket, port);
      chunk = result.rest;
    }
    for (const event of frames.push(chunk)) {
      if (event.type !== 'close') continue;
      // The server's close frame says it all; no need to answer it.
      outcome = `close ${event.code}`;
      if (mustBe !== undefined && outcome !== mustBe) outcome += ` where ${mustBe} was due`;
      socket.destroy();
    }
  };

  socket.on('connect', () => {
    if (kind.ownHandshake) mustBe = kind.start(socket, port);
    else socket.write(upgradeRequest({ host: `127.0.0.1:${port}`, path: '/ws' }).request);
  });
  socket.on('data', onData);
  return new Promise((resolve) => {
    open.set(socket, () => {
      outcome = upgraded ? 'open at the end' : 'open at the end, no 101 yet';
      socket.destroy();
    });
    socket.on('close', () => {
      open.delete(socket);
      ended += 1;
      if (outcome === undefined) {
        if (kind.endsItself) outcome = kind.endsItself;
        else if (!upgraded) outcome = 'closed, no HTTP answer';
        else outcome = kind.reads ? 'cut, no close frame' : 'ended (unread)';
      }
      resolve(outcome);
    });
  });
}

/** One hostile client: connects again and again until the run is over. */
async function keepAttacking(
  kind: HostileKind,
  port: number,
  result: HostileKindResult,
  lifetimes: Times,
) {
  while (!stopping) {
    const start = performance.now();
    const outcome = await attempt(kind, port);
    lifetimes.record(performance.now() - start);
    result.outcomes[outcome] = (result.outcomes[outcome] ?? 0) + 1;
    await new Promise((resolve) => setTimeout(resolve, RECONNECT_MS));
  }
}

runWorker<HostileConfig, HostileProgress, HostileKindResult[]>((config) => {
  const lifetimes = HOSTILE_KINDS.map(() => new Times());
  const results: HostileKindResult[] = HOSTILE_KINDS.map((kind) => ({
    name: kind.name,
    outcomes: {},
    lifetime: { count: 0, p50: 0, p99: 0, max: 0 },
  }));
  const clients = HOSTILE_KINDS.flatMap((kind, k) =>
    Array.from({ length: config.perKind }, () =>
      keepAttacking(kind, config.port, results[k]!, lifetimes[k]!),
    ),
  );
  return {
    progress: () => ({ open: open.size, ended }),
    async finish() {
      stopping = true;
      for (const end of open.values()) end();
      await Promise.all(clients);
      results.forEach((result, k) => {
        result.lifetime = lifetimes[k]!.summary();
      });
      return results;
    },
  };
});
