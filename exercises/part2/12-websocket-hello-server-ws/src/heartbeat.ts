import type { IncomingMessage } from 'node:http';
import { describePeer, type Log } from 'support';
import type { WebSocket, WebSocketServer } from 'ws';

/**
 * The heartbeat, as ws's own README shows it: every `interval` ms each client in `wss.clients`
 * gets a ping. A client that has shown no sign of life since the previous ping is gone - TCP
 * alone never notices a pulled cable or a closed laptop lid, because nothing is sent, so nothing
 * fails - and is terminated. Returns the function that stops the heartbeat.
 */
export function startHeartbeat(wss: WebSocketServer, interval: number, log: Log): () => void {
  // ws's README keeps the mark in a property, `ws.isAlive`, that a WebSocket does not have.
  // A WeakSet holds the same thing with a type: the clients that have shown they are alive since
  // the last ping. A client that goes away leaves it by itself, as it leaves `peers`.
  const alive = new WeakSet<WebSocket>();
  const peers = new WeakMap<WebSocket, string>();

  wss.on('connection', (ws: WebSocket, request: IncomingMessage) => {
    peers.set(ws, describePeer(request.socket));
    alive.add(ws);
    ws.on('pong', () => alive.add(ws));
    // Any bytes from the client show it is alive, not only a pong. A client in the middle of
    // sending one large frame cannot send a pong until that frame is done: a control frame may
    // go between the frames of a message, never inside a frame (RFC 6455 §5.4).
    request.socket.on('data', () => alive.add(ws));
  });

  const timer = setInterval(() => {
    for (const ws of wss.clients) {
      if (!alive.has(ws)) {
        log.event?.(`no pong from ${peers.get(ws)}: terminating the connection`);
        ws.terminate(); // no closing handshake: the peer would not answer it
        continue;
      }
      alive.delete(ws);
      ws.ping();
    }
  }, interval);
  return () => clearInterval(timer);
}
