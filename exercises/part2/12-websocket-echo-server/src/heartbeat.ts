import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { describePeer, type Log } from 'support';
import type { WebSocket, WebSocketServer } from 'ws';

/**
 * The heartbeat, as ws's own README shows it: every `interval` ms each client in `wss.clients`
 * gets a ping. A client that has shown no sign of life since the previous ping is gone - TCP
 * alone never notices a pulled cable or a closed laptop lid, because nothing is sent, so nothing
 * fails - and is terminated. Returns the function that stops the heartbeat.
 */
export function startHeartbeat(wss: WebSocketServer, interval: number, log: Log): () => void {
  // A sign of life is any bytes from the client, not only a pong: a client in the middle of
  // sending one large frame cannot send a pong until that frame is done, because a control frame
  // may go between the frames of a message, never inside a frame (RFC 6455 §5.4). The socket
  // counts the bytes it has read, so the heartbeat only notes that count at each ping: where ws's
  // README keeps an `isAlive` mark set by a 'pong' listener, this needs no listener at all, and
  // costs each connection one small record. A WeakMap: a client that goes away leaves it by itself.
  const seen = new WeakMap<WebSocket, { socket: Socket; bytesRead: number }>();
  // A new client counts as alive until its first ping (-1: no count was noted yet).
  wss.on('connection', (ws: WebSocket, request: IncomingMessage) => {
    seen.set(ws, { socket: request.socket, bytesRead: -1 });
  });

  const timer = setInterval(() => {
    for (const ws of wss.clients) {
      const record = seen.get(ws);
      if (!record) continue;
      if (record.socket.bytesRead === record.bytesRead) {
        log.event?.(`no pong from ${describePeer(record.socket)}: terminating the connection`);
        ws.terminate(); // no closing handshake: the peer would not answer it
        continue;
      }
      record.bytesRead = record.socket.bytesRead;
      ws.ping();
    }
  }, interval);
  return () => clearInterval(timer);
}
