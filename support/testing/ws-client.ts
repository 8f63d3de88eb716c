import type { ClientOptions } from 'ws';
import { WebSocket } from 'ws';

/** `ws` as the independent peer in tests: open a connection, read messages, watch the close. */

export interface Received {
  data: Buffer;
  isBinary: boolean;
}

/**
 * Opens a connection; rejects with the HTTP status if the server refuses the upgrade. Its
 * messages are collected from the start (see `inboxOf`): a server may send one in the same
 * TCP packet as its handshake answer, before any code after `await` could listen.
 */
export function openWebSocket(url: string, options: ClientOptions = {}): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, options);
    inboxes.set(ws, new Inbox(ws));
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
    ws.once('unexpected-response', (_request, response) => {
      reject(new Error(`server answered ${response.statusCode}`));
      response.resume();
      ws.terminate();
    });
  });
}

/**
 * Collects every message a connection receives, so a test can take them in order without
 * missing one that arrives before it asks.
 */
export class Inbox {
  readonly #queue: Received[] = [];
  #waiting: ((message: Received) => void)[] = [];

  constructor(ws: WebSocket) {
    ws.on('message', (data, isBinary) => {
      const message = { data: data as Buffer, isBinary };
      const waiter = this.#waiting.shift();
      if (waiter) waiter(message);
      else this.#queue.push(message);
    });
  }

  next(): Promise<Received> {
    const queued = this.#queue.shift();
    if (queued) return Promise.resolve(queued);
    return new Promise((resolve) => this.#waiting.push(resolve));
  }
}

const inboxes = new WeakMap<WebSocket, Inbox>();

/** The messages received by a connection made with `openWebSocket`. */
export function inboxOf(ws: WebSocket): Inbox {
  const inbox = inboxes.get(ws);
  if (!inbox) throw new Error('inboxOf() needs a connection made by openWebSocket()');
  return inbox;
}

/** Resolves with the close code and reason once the connection is closed. */
export function whenClosed(ws: WebSocket): Promise<{ code: number; reason: string }> {
  if (ws.readyState === WebSocket.CLOSED) return Promise.reject(new Error('already closed'));
  return new Promise((resolve) => {
    ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() }));
  });
}

/** Sends a message and resolves with the next message that arrives (see `inboxOf`). */
export async function roundTrip(ws: WebSocket, data: Buffer | string, binary: boolean) {
  ws.send(data, { binary });
  return inboxOf(ws).next();
}
