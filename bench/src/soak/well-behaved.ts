// The well-behaved clients of the soak, in a process of their own (forked by main.ts): each one
// connects with `ws`, sends a message, waits for its echo, checks it byte for byte, thinks a
// moment, and sends the next, until told to stop; then it closes with 1000 and waits for the
// server's answer. A client that the server closes meanwhile is counted and connects again.
import { randomBytes } from 'node:crypto';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { WebSocket } from 'ws';
import { Times, type TimesSummary } from './times.ts';
import { runWorker } from './worker.ts';

export interface WellBehavedConfig {
  port: number;
  clients: number;
  /** Messages the server sends first (the hello servers' greeting), not echoes. */
  greets: number;
}

export interface WellBehavedProgress {
  open: number;
  sent: number;
  intact: number;
  lost: number;
  corrupted: number;
  unexpectedCloses: number;
  echoMaxMs: number;
}

export interface WellBehavedResult extends WellBehavedProgress {
  /** How the unexpected closes ended: "1006" (no close frame), "1011", ... with counts. */
  unexpectedCodes: Record<string, number>;
  /** Closing handshakes at the end: answered with 1000, and not (another code, or none). */
  cleanCloses: number;
  uncleanCloses: number;
  pings: number;
  pongs: number;
  bytesEchoed: number;
  /** Send to whole echo, every message. */
  echo: TimesSummary;
  /**
   * This process's own event-loop delay, p99 and max, in ms: how much of the echo times above
   * may be the tool's own lateness rather than the server's.
   */
  ownDelay: { p99: number; max: number };
}

/** The largest message: 1 MiB, well under every server's 16 MiB limit. */
const MAX_MESSAGE = 1024 * 1024;
/**
 * Between an echo and the next message, a client waits up to this long (uniformly): about two
 * messages a second per client, some 400 a second in all. (With up to 200 ms, the first runs kept
 * this process's own event loop 90% busy: its clock would have measured itself.)
 */
const MAX_THINK_MS = 1000;
/** A message is sent in 2 to 8 fragments this often; a ping goes before it this often. */
const FRAGMENTED = 0.2;
const PINGED = 0.1;
/** At the end, how long echoes still on their way, and then closing handshakes, may take. */
const GRACE_MS = 5000;
/** After an unexpected close, a client waits this long before it connects again. */
const RECONNECT_MS = 100;

// Payloads are slices of two 2 MiB pools, at an offset that depends on the client and the message:
// every message differs from the previous one, and checking an echo needs no copy of it.
const POOL_BYTES = 2 * MAX_MESSAGE;
const binaryPool = randomBytes(POOL_BYTES);
// Text: printable ASCII, valid UTF-8 however it is cut into fragments.
const textPool = Buffer.from(randomBytes(POOL_BYTES).map((byte) => 0x20 + (byte % 95)));

/** A small, seeded generator of numbers in [0, 1) (mulberry32), so each client's run repeats. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

/**
 * Message sizes: mostly small, as in chat or games; some that need the 16-bit and the 64-bit
 * length (RFC 6455 §5.2); a few of up to 1 MiB.
 */
function nextSize(random: () => number): number {
  const r = random();
  const between = (low: number, high: number) => low + Math.floor(random() * (high - low + 1));
  if (r < 0.02) return 0;
  if (r < 0.5) return between(1, 125);
  if (r < 0.8) return between(126, 65_535);
  if (r < 0.95) return between(65_536, 256 * 1024);
  return between(256 * 1024 + 1, MAX_MESSAGE);
}

const totals = {
  sent: 0,
  intact: 0,
  lost: 0,
  corrupted: 0,
  unexpectedCloses: 0,
  cleanCloses: 0,
  uncleanCloses: 0,
  pings: 0,
  pongs: 0,
  bytesEchoed: 0,
};
const unexpectedCodes: Record<string, number> = {};
const echoTimes = new Times();
const ownDelay = monitorEventLoopDelay({ resolution: 10 });
ownDelay.enable();
let stopping = false;

class EchoClient {
  readonly #url: string;
  readonly #greets: number;
  readonly #random: () => number;
  #ws: WebSocket | undefined;
  #greetingsLeft = 0;
  #seq = 0;
  /** The message whose echo is awaited, and when it was sent. */
  #inFlight: { binary: boolean; data: Buffer; sentAt: number } | undefined;
  #closing = false;
  #closed: Promise<void> = Promise.resolve();

  constructor(id: number, url: string, greets: number) {
    this.#url = url;
    this.#greets = greets;
    this.#random = seeded(id + 1);
  }

  get open(): boolean {
    return this.#ws?.readyState === WebSocket.OPEN;
  }

  get waiting(): boolean {
    return this.#inFlight !== undefined;
  }

  connect(): void {
    const ws = new WebSocket(this.#url, { perMessageDeflate: false, maxPayload: 2 * MAX_MESSAGE });
    this.#ws = ws;
    this.#greetingsLeft = this.#greets;
    this.#closed = new Promise((resolve) => ws.once('close', () => resolve()));
    ws.on('error', () => {}); // the 'close' that follows says what happened
    ws.on('open', () => this.#sendNext());
    ws.on('pong', () => {
      totals.pongs += 1;
    });
    ws.on('message', (data: Buffer, isBinary) => this.#receive(data, isBinary));
    ws.on('close', (code) => {
      if (this.#closing) {
        if (code === 1000) totals.cleanCloses += 1;
        else totals.uncleanCloses += 1;
        if (this.#inFlight) totals.lost += 1;
        return;
      }
      totals.unexpectedCloses += 1;
      unexpectedCodes[code] = (unexpectedCodes[code] ?? 0) + 1;
      if (this.#inFlight) totals.lost += 1;
      this.#inFlight = undefined;
      if (!stopping) setTimeout(() => this.connect(), RECONNECT_MS);
    });
  }

  /** Closes with 1000 (RFC 6455 §7.4.1, Normal Closure); resolves when the socket has closed. */
  close(): Promise<void> {
    this.#closing = true;
    const ws = this.#ws;
    if (ws === undefined || ws.readyState === WebSocket.CLOSED) return Promise.resolve();
    if (ws.readyState === WebSocket.CONNECTING) ws.terminate();
    else ws.close(1000, 'soak over');
    return this.#closed;
  }

  terminate(): void {
    this.#ws?.terminate();
  }

  #sendNext(): void {
    const ws = this.#ws;
    if (stopping || ws?.readyState !== WebSocket.OPEN) return;
    const random = this.#random;
    const size = nextSize(random);
    const binary = random() < 0.5;
    const pool = binary ? binaryPool : textPool;
    const offset = (this.#seq++ * 40_503 + size) % (POOL_BYTES - size + 1);
    const data = pool.subarray(offset, offset + size);
    if (random() < PINGED) {
      ws.ping(Buffer.from(`ping ${this.#seq}`));
      totals.pings += 1;
    }
    this.#inFlight = { binary, data, sentAt: performance.now() };
    totals.sent += 1;
    if (size >= 2 && random() < FRAGMENTED) {
      // ws sends a message in pieces with `fin: false` on all but the last (RFC 6455 §5.4).
      const pieces = 2 + Math.floor(random() * 7);
      const step = Math.ceil(size / pieces);
      for (let start = 0; start < size; start += step) {
        const fin = start + step >= size;
        ws.send(data.subarray(start, start + step), { binary, fin });
      }
    } else {
      ws.send(data, { binary });
    }
  }

  #receive(data: Buffer, isBinary: boolean): void {
    if (this.#greetingsLeft > 0) {
      this.#greetingsLeft -= 1;
      return;
    }
    const expected = this.#inFlight;
    this.#inFlight = undefined;
    if (expected === undefined || expected.binary !== isBinary || !expected.data.equals(data)) {
      totals.corrupted += 1;
    } else {
      totals.intact += 1;
      totals.bytesEchoed += data.length;
      echoTimes.record(performance.now() - expected.sentAt);
    }
    setTimeout(() => this.#sendNext(), this.#random() * MAX_THINK_MS);
  }
}

runWorker<WellBehavedConfig, WellBehavedProgress, WellBehavedResult>((config) => {
  const url = `ws://127.0.0.1:${config.port}/ws`;
  const clients = Array.from(
    { length: config.clients },
    (_, id) => new EchoClient(id, url, config.greets),
  );
  for (const client of clients) client.connect();

  const progress = (): WellBehavedProgress => ({
    open: clients.filter((client) => client.open).length,
    sent: totals.sent,
    intact: totals.intact,
    lost: totals.lost,
    corrupted: totals.corrupted,
    unexpectedCloses: totals.unexpectedCloses,
    echoMaxMs: echoTimes.summary().max,
  });

  return {
    progress,
    async finish() {
      // No new messages; the echoes on their way get GRACE_MS to arrive, then every client
      // closes, and gets GRACE_MS for the server's answer before it is cut.
      stopping = true;
      const deadline = performance.now() + GRACE_MS;
      while (clients.some((client) => client.waiting) && performance.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      const closed = Promise.all(clients.map((client) => client.close()));
      const timer = setTimeout(() => {
        for (const client of clients) client.terminate();
      }, GRACE_MS);
      await closed;
      clearTimeout(timer);
      const delay = { p99: ownDelay.percentile(99) / 1e6, max: ownDelay.max / 1e6 };
      return {
        ...progress(),
        ...totals,
        unexpectedCodes,
        echo: echoTimes.summary(),
        ownDelay: delay,
      };
    },
  };
});
