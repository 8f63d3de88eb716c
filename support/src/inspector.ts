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
 * Privacy: a page sees its own connection, and no other.
 *   - The id is 122 random bits, logged nowhere but in `--trace`'s copy of the request line (on
 *     the server's own terminal). A second subscriber to an id already taken gets 409.
 *   - A subscription serves the first WebSocket that names it and comes from the server's own
 *     page: its Origin is this server's origin, `http://` (or `https://`) and its own Host. A
 *     page of another site naming an id - or a client that sends no Origin - is not inspected,
 *     and the subscription goes on waiting for its own page.
 *   - `Cookie`, `Authorization` and `Proxy-Authorization` never leave the server: the handshake
 *     shows them as hidden (`requestLines`).
 *   - A subscription that no WebSocket names gets nothing, and ends after CONNECT_WITHIN_MS; one
 *     that ends is never attached again.
 *   (The Host rule - a server on loopback answers only for loopback names - is for every request,
 *   /inspect included: see target.ts.)
 *
 * Bounds: no count of subscriptions to run out of. Each one is an HTTP connection that costs
 * about what a WebSocket costs: a waiting one ends after CONNECT_WITHIN_MS, an attached one ends
 * with its connection (its last entries get FINISH_WITHIN_MS to go out), and it holds at most
 * MAX_HELD_ENTRIES entries and MAX_HELD_BYTES for its page. A frame that finds them full costs a
 * counter: it is not shown, and the page is told how many were not. An entry is described (and
 * made JSON) only when it is written, at most ENTRIES_PER_TURN per turn of the event loop.
 */

/** Where a page subscribes: `GET /inspect/<id>`. */
export const INSPECT_PATH = '/inspect/';

/** The query parameter of the WebSocket URL that names the subscription: `/ws?inspect=<id>`. */
export const INSPECT_PARAMETER = 'inspect';

/**
 * Entries held for a page that reads slower than its connection makes frames: newer frames are
 * counted, not held. A page shows a few hundred frames at most before a person stops following.
 */
export const MAX_HELD_ENTRIES = 256;

/**
 * The bytes those entries may hold, counted as each entry says (`HeldEntry.size`): a frame's
 * snapshot takes about 1 KiB, the handshake at most the 16 KiB of headers Node accepts, once or
 * twice over.
 */
export const MAX_HELD_BYTES = 256 * 1024;

/**
 * Entries described and written per page and turn of the event loop. Thousands a second on an
 * idle server, more than a browser draws; and a connection that sends 10,000 tiny frames in one
 * read costs this many descriptions per turn, not 10,000 at once.
 */
export const ENTRIES_PER_TURN = 16;

/** A subscription that no WebSocket has named within this time is ended. */
export const CONNECT_WITHIN_MS = 10_000;

/**
 * Once its connection has closed, a page gets this long to read the entries still held for it;
 * then its stream is cut. Without it, a page that never reads would keep its stream open for ever.
 */
export const FINISH_WITHIN_MS = 10_000;

// What crypto.randomUUID() makes, and nothing else: 36 characters, lowercase hex and dashes.
const ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Request headers that carry credentials: the page never sees their values. */
const CREDENTIALS = new Set(['cookie', 'authorization', 'proxy-authorization']);

/**
 * An entry held until the page can take it: a copy of what it shows, made when the frame passed
 * (cheap), described only when it is written (`describe`) - never, if the page never gets it.
 */
export interface HeldEntry {
  /** What holding it costs, in bytes, about: counted against MAX_HELD_BYTES. */
  readonly size: number;
  /** The entry as the page reads it: one JSON object. */
  describe(): object;
}

/** Where one connection's entries go: the stream of the page that watches it. */
export interface InspectorSink {
  /**
   * True while the page takes one more entry: it is there, and what is held for it is below
   * MAX_HELD_ENTRIES and MAX_HELD_BYTES. When false, call `skip()` instead of making an entry.
   */
  readonly hasRoom: boolean;
  /** Sends an entry made now (the handshake, once per connection), as JSON. */
  send(entry: object): void;
  /** Holds an entry for the page, to be described when it is written (`hasRoom` first). */
  hold(entry: HeldEntry): void;
  /** Counts a frame the page will not be shown; the page is told how many. */
  skip(): void;
  /** The last entry, `{ kind: 'end', reason }`; then the stream ends. */
  end(reason: string): void;
}

/**
 * The request line and header lines of an upgrade request, as the page is shown them: every
 * header in the order it was sent, but the values of `Cookie`, `Authorization` and
 * `Proxy-Authorization` hidden - they are the user's credentials for this site, HttpOnly cookies
 * included, and no page is shown them.
 */
export function requestLines(request: IncomingMessage): string[] {
  const lines = [`${request.method} ${request.url} HTTP/${request.httpVersion}`];
  const raw = request.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i] ?? '';
    const value = CREDENTIALS.has(name.toLowerCase())
      ? '(hidden: credentials are never shown)'
      : raw[i + 1];
    lines.push(`${name}: ${value}`);
  }
  return lines;
}

/** The pages subscribed to a server's connections, by id. One per HTTP server. */
export class Inspectors {
  /** False with `--no-inspector` (INSPECTOR=0): no /inspect, and no connection is inspected. */
  readonly enabled: boolean;
  readonly #subscriptions = new Map<string, Subscription>();
  readonly #times: Times;

  /** `connectWithin` and `finishWithin`: CONNECT_WITHIN_MS and FINISH_WITHIN_MS, or less in tests. */
  constructor(options: { enabled?: boolean } & Partial<Times> = {}) {
    this.enabled = options.enabled ?? true;
    this.#times = {
      connectWithin: options.connectWithin ?? CONNECT_WITHIN_MS,
      finishWithin: options.finishWithin ?? FINISH_WITHIN_MS,
    };
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
    this.#subscriptions.set(id, new Subscription(response, this.#times, forget));
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
    return undefined;
  }

  /**
   * The stream of the page that subscribed with the id in this upgrade request's URL
   * (`/ws?inspect=<id>`), if it still waits for its connection and the request comes from the
   * server's own page; undefined otherwise - then the connection is not inspected, and pays
   * nothing for it.
   */
  attach(request: Pick<IncomingMessage, 'url' | 'headers' | 'socket'>): InspectorSink | undefined {
    if (!this.enabled) return undefined;
    const query = request.url?.split('?', 2)[1];
    if (query === undefined) return undefined;
    const id = new URLSearchParams(query).get(INSPECT_PARAMETER);
    if (id === null) return undefined;
    const subscription = this.#subscriptions.get(id);
    if (subscription === undefined || !subscription.waiting) return undefined;
    if (!fromOwnPage(request)) return undefined;
    subscription.attach();
    return subscription;
  }
}

/**
 * True when a WebSocket's upgrade request comes from a page of this very server: its Origin is
 * `http://` (`https://` over TLS) and the Host it was sent to, as a browser writes both. A page of
 * another site - attacker.example, or the same server reached as 127.0.0.1 rather than localhost -
 * sends its own origin, and a page cannot change it (RFC 6454 §7, RFC 6455 §10.2). A target in
 * absolute form (`GET http://host/ws`) is no page's: a browser sends a path.
 */
function fromOwnPage(request: Pick<IncomingMessage, 'url' | 'headers' | 'socket'>): boolean {
  const { origin, host } = request.headers;
  if (origin === undefined || host === undefined || !request.url?.startsWith('/')) return false;
  const scheme = 'encrypted' in request.socket && request.socket.encrypted ? 'https' : 'http';
  return origin === `${scheme}://${host}`;
}

/** How long a subscription waits for its connection, and for its page to read the end. */
interface Times {
  connectWithin: number;
  finishWithin: number;
}

/** One page's stream: waiting for its connection, attached to it, ending, then ended. */
class Subscription implements InspectorSink {
  readonly #response: ServerResponse;
  readonly #finishWithin: number;
  #state: 'waiting' | 'attached' | 'ending' | 'ended' = 'waiting';
  /** Waiting: the end of CONNECT_WITHIN_MS. Ending: the end of FINISH_WITHIN_MS. */
  #timer: NodeJS.Timeout;
  /** Entries not written yet, oldest first: events made already, or entries to describe. */
  #held: (string | HeldEntry)[] = [];
  #heldBytes = 0;
  /** Frames not shown since the last entry held: the page is told before the next one. */
  #skipped = 0;
  /** The response's buffer is full: nothing more is written until 'drain'. */
  #blocked = false;
  #flushing = false;

  constructor(response: ServerResponse, times: Times, forget: () => void) {
    this.#response = response;
    this.#finishWithin = times.finishWithin;
    response.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      'X-Content-Type-Options': 'nosniff',
    });
    // The headers go out now: the page's EventSource opens, and the page connects its WebSocket.
    response.flushHeaders();
    response.on('drain', () => {
      this.#blocked = false;
      this.#scheduleFlush();
    });
    response.on('close', () => {
      this.#state = 'ended';
      this.#held = [];
      this.#heldBytes = 0;
      clearTimeout(this.#timer);
      forget();
    });
    this.#timer = setTimeout(
      () => this.end('no WebSocket connection named this page'),
      times.connectWithin,
    );
  }

  get waiting(): boolean {
    return this.#state === 'waiting';
  }

  get hasRoom(): boolean {
    // A notice of skipped frames goes before the next entry: it needs a place too.
    const entries = this.#held.length + (this.#skipped > 0 ? 1 : 0);
    return (
      this.#state === 'attached' && entries < MAX_HELD_ENTRIES && this.#heldBytes < MAX_HELD_BYTES
    );
  }

  attach(): void {
    this.#state = 'attached';
    clearTimeout(this.#timer);
  }

  send(entry: object): void {
    if (this.#state !== 'attached') return;
    this.#add(event(entry));
  }

  hold(entry: HeldEntry): void {
    if (this.hasRoom) this.#add(entry);
    else this.skip();
  }

  skip(): void {
    if (this.#state === 'attached') this.#skipped += 1;
  }

  end(reason: string): void {
    if (this.#state !== 'waiting' && this.#state !== 'attached') return;
    // What is held goes out first, then the last entry: never more than MAX_HELD_ENTRIES and
    // two more. A page that does not read it all within FINISH_WITHIN_MS is cut.
    this.#add(event({ kind: 'end', reason }));
    this.#state = 'ending';
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => this.#response.destroy(), this.#finishWithin);
  }

  #add(entry: string | HeldEntry): void {
    if (this.#skipped > 0) {
      this.#held.push(event({ kind: 'dropped', count: this.#skipped }));
      this.#skipped = 0;
    }
    this.#held.push(entry);
    this.#heldBytes += sizeOf(entry);
    this.#scheduleFlush();
  }

  /** Writing waits for the next turn of the event loop: what a turn adds is written together. */
  #scheduleFlush(): void {
    if (this.#flushing || this.#blocked || this.#held.length === 0) return;
    this.#flushing = true;
    setImmediate(() => this.#flush());
  }

  /** Writes up to ENTRIES_PER_TURN entries, describing each as it goes, while the page reads. */
  #flush(): void {
    this.#flushing = false;
    if (this.#state === 'ended') return;
    for (let n = 0; n < ENTRIES_PER_TURN && this.#held.length > 0 && !this.#blocked; n++) {
      const entry = this.#held.shift() as string | HeldEntry;
      this.#heldBytes -= sizeOf(entry);
      let text: string;
      try {
        text = typeof entry === 'string' ? entry : event(entry.describe());
      } catch {
        // A bug in describing a frame ends this page's stream, not the server or the connection.
        this.#held = [];
        this.#heldBytes = 0;
        this.#response.end(
          event({ kind: 'end', reason: 'the inspector failed to describe a frame' }),
        );
        this.#state = 'ended';
        return;
      }
      this.#blocked = !this.#response.write(text);
    }
    if (this.#held.length > 0) this.#scheduleFlush();
    else if (this.#state === 'ending') {
      // The last entry is written; the stream ends once the page has read it ('close'), or is
      // cut when FINISH_WITHIN_MS is over.
      this.#state = 'ended';
      this.#response.end();
    }
  }
}

function sizeOf(entry: string | HeldEntry): number {
  return typeof entry === 'string' ? entry.length : entry.size;
}

/** One Server-Sent Event: `data:` and the JSON on one line (JSON.stringify escapes newlines). */
function event(entry: object): string {
  return `data: ${JSON.stringify(entry)}\n\n`;
}
