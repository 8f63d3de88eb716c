import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * The channel between a hand-written server and the frame inspector of its browser page.
 *
 * The page picks a random id (`crypto.randomUUID()`), subscribes to `GET /inspect/<id>`, a
 * stream of Server-Sent Events, and only once that stream is open does it connect its WebSocket
 * to `/ws?inspect=<id>`. The server then sends the handshake and every frame of that one
 * connection down that one stream. Server-Sent Events, because the traffic goes one way (server
 * to page), `EventSource` comes with every browser, and `connect-src 'self'` already allows it;
 * sending the trace over the inspected WebSocket itself would add frames to the very connection
 * the page is watching.
 *
 * Privacy: the id is 122 random bits, logged nowhere but in `--trace`'s copy of the request line
 * (on the server's own terminal), and an id is one page's:
 *   - a second subscriber to an id already taken gets 409, not a share of the frames;
 *   - a subscription serves the first WebSocket that names it, and no other: another
 *     connection with the same id is simply not inspected;
 *   - a subscription that no WebSocket names gets nothing, and ends after CONNECT_WITHIN_MS;
 *   - a subscription that ends (the page went away) is never attached again: a new subscriber
 *     with the same id, later, waits for a new connection and sees nothing of the old one.
 * Bounds: at most MAX_INSPECTORS subscriptions at once, and at most MAX_HELD_ENTRIES entries
 * held for a page that does not read; older ones are dropped, counted, and the page is told.
 */

/** Where a page subscribes: `GET /inspect/<id>`. */
export const INSPECT_PATH = '/inspect/';

/** The query parameter of the WebSocket URL that names the subscription: `/ws?inspect=<id>`. */
export const INSPECT_PARAMETER = 'inspect';

/** Subscriptions open at once, per server; one more is answered 503. */
export const MAX_INSPECTORS = 32;

/**
 * Entries held for a page that reads slower than its connection makes frames. An entry is at
 * most a few hundred bytes (the first 16 bytes of a payload, 60 characters of text), or for the
 * handshake at most the 16 KiB of headers Node accepts: a few MiB for every page at worst.
 */
export const MAX_HELD_ENTRIES = 256;

/** A subscription that no WebSocket has named within this time is ended. */
export const CONNECT_WITHIN_MS = 10_000;

// What crypto.randomUUID() makes, and nothing else: 36 characters, lowercase hex and dashes.
const ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Where one connection's entries go: the stream of the page that watches it. */
export interface InspectorSink {
  /** False once the page is gone: whatever is sent is thrown away, so skip making it. */
  readonly open: boolean;
  /** Sends one entry (a JSON object) to the page. */
  send(entry: object): void;
  /** The last entry, `{ kind: 'end', reason }`; then the stream ends. */
  end(reason: string): void;
}

/** The pages subscribed to a server's connections, by id. One per HTTP server. */
export class Inspectors {
  readonly #subscriptions = new Map<string, Subscription>();
  readonly #connectWithin: number;

  /** `connectWithin`: CONNECT_WITHIN_MS, or less in tests. */
  constructor(options: { connectWithin?: number } = {}) {
    this.#connectWithin = options.connectWithin ?? CONNECT_WITHIN_MS;
  }

  /** `GET /inspect/<id>`: opens the page's stream, or refuses with a status that says why. */
  subscribe(request: IncomingMessage, response: ServerResponse, id: string): void {
    const refusal = this.#refusal(request, id);
    if (refusal) {
      response.writeHead(refusal.status, {
        ...refusal.headers,
        'Content-Type': 'text/plain; charset=utf-8',
      });
      response.end(`${refusal.reason}\n`);
      return;
    }
    const forget = () => this.#subscriptions.delete(id);
    this.#subscriptions.set(id, new Subscription(response, this.#connectWithin, forget));
  }

  #refusal(
    request: IncomingMessage,
    id: string,
  ): { status: number; reason: string; headers?: Record<string, string> } | undefined {
    if (request.method !== 'GET') {
      return { status: 405, reason: 'Only GET here.', headers: { Allow: 'GET' } };
    }
    if (!ID.test(id)) {
      return { status: 400, reason: 'an inspector id is a UUID, as crypto.randomUUID() makes it' };
    }
    if (this.#subscriptions.has(id)) return { status: 409, reason: 'this inspector id is taken' };
    if (this.#subscriptions.size >= MAX_INSPECTORS) {
      const reason = `${MAX_INSPECTORS} pages are inspecting already; try again later`;
      return { status: 503, reason, headers: { 'Retry-After': '10' } };
    }
    return undefined;
  }

  /**
   * The stream of the page that subscribed with the id in this upgrade request's URL
   * (`/ws?inspect=<id>`), if it still waits for its connection; undefined otherwise - then the
   * connection is not inspected, and pays nothing for it.
   */
  attach(request: IncomingMessage): InspectorSink | undefined {
    const query = request.url?.split('?', 2)[1];
    if (query === undefined) return undefined;
    const id = new URLSearchParams(query).get(INSPECT_PARAMETER);
    if (id === null) return undefined;
    const subscription = this.#subscriptions.get(id);
    if (subscription === undefined || !subscription.waiting) return undefined;
    subscription.attach();
    return subscription;
  }
}

/** One page's stream: waiting for its connection, then attached to it, then ended. */
class Subscription implements InspectorSink {
  readonly #response: ServerResponse;
  #state: 'waiting' | 'attached' | 'ended' = 'waiting';
  readonly #expiry: NodeJS.Timeout;
  // Entries waiting for the page to read what was written before ('drain').
  #held: string[] = [];
  #dropped = 0;
  #blocked = false;

  constructor(response: ServerResponse, connectWithin: number, forget: () => void) {
    this.#response = response;
    response.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      'X-Content-Type-Options': 'nosniff',
    });
    // The headers go out now: the page's EventSource opens, and the page connects its WebSocket.
    response.flushHeaders();
    response.on('drain', () => this.#flush());
    response.on('close', () => {
      this.#state = 'ended';
      this.#held = [];
      clearTimeout(this.#expiry);
      forget();
    });
    this.#expiry = setTimeout(
      () => this.end('no WebSocket connection named this page'),
      connectWithin,
    );
  }

  get waiting(): boolean {
    return this.#state === 'waiting';
  }

  get open(): boolean {
    return this.#state !== 'ended';
  }

  attach(): void {
    this.#state = 'attached';
    clearTimeout(this.#expiry);
  }

  send(entry: object): void {
    if (this.#state === 'ended') return;
    if (!this.#blocked) {
      this.#blocked = !this.#response.write(event(entry));
      return;
    }
    this.#held.push(event(entry));
    if (this.#held.length > MAX_HELD_ENTRIES) {
      this.#held.shift();
      this.#dropped += 1;
    }
  }

  end(reason: string): void {
    if (this.#state === 'ended') return;
    // What is held goes out with the last entry, and the stream ends once the page has read it
    // all: never more than MAX_HELD_ENTRIES and two more.
    const rest = this.#held;
    this.#held = [];
    if (this.#dropped > 0) this.#response.write(event({ kind: 'dropped', count: this.#dropped }));
    for (const held of rest) this.#response.write(held);
    this.#response.end(event({ kind: 'end', reason }));
    this.#state = 'ended';
    clearTimeout(this.#expiry);
  }

  /** The page has read what was written: say what was dropped, then what is held, in order. */
  #flush(): void {
    this.#blocked = false;
    const held = this.#held;
    this.#held = [];
    if (this.#dropped > 0) {
      this.send({ kind: 'dropped', count: this.#dropped });
      this.#dropped = 0;
    }
    for (const text of held) {
      if (this.#blocked) this.#held.push(text);
      else this.#blocked = !this.#response.write(text);
    }
  }
}

/** One Server-Sent Event: `data:` and the JSON on one line (JSON.stringify escapes newlines). */
function event(entry: object): string {
  return `data: ${JSON.stringify(entry)}\n\n`;
}
