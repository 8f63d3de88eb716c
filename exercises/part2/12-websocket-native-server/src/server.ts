import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import {
  createHttpServer,
  createLog,
  describeMessage,
  describePeer,
  type EchoHooks,
  listen,
  type RunningServer,
  refuseBadTarget,
  type ServerOptions,
  SHUTDOWN_CODE,
  SHUTDOWN_GRACE_MS,
  SHUTDOWN_REASON,
  startHeartbeat,
  withDeadline,
} from 'support';
import { answerUpgrade } from './upgrade.ts';
import { ServerWebSocket, type WebSocketOptions } from './websocket.ts';

export interface NativeServer extends RunningServer {
  /** Open connections, and the bytes held for them (waiting to be sent, or still arriving). */
  stats(): { connections: number; bufferedBytes: number };
}

/**
 * A WebSocket echo server written by hand: `node:http` for the HTTP part, `shared` for RFC 6455,
 * no WebSocket library.
 */
export async function createNativeServer(
  options: ServerOptions,
  hooks: EchoHooks = {},
): Promise<NativeServer> {
  const log = createLog(options);
  const connections = new Set<ServerWebSocket>();

  // 1. The HTTP server. Plain requests get 426 or 404; a request that is not complete within
  //    the handshake timeout gets 408 and is dropped (see createHttpServer).
  const http = createHttpServer(options);

  // 2. The echo: every message goes back to its sender with its type. This, and the rest of what
  //    every connection shares, is made once for the server.
  const connectionOptions: WebSocketOptions = {
    maxPayload: options.maxPayload,
    trace: options.trace,
    log,
    onMessage(ws, type, data) {
      log.event?.(`${ws.received}: ${describeMessage(data, type === 'binary')}`);
      ws.send(type, data);
    },
    onClose: (ws) => connections.delete(ws),
  };

  // 3. An upgrade request: check the handshake, answer 101, and the socket is ours.
  http.on('upgrade', (request: IncomingMessage, socket: Socket, head: Buffer) => {
    socket.on('error', () => {}); // a client that vanishes mid-handshake is not our error
    if (refuseBadTarget(request, socket)) return;
    const peer = describePeer(socket);
    const upgraded = answerUpgrade(request, socket, {
      allowedOrigins: options.allowedOrigins,
      trace: options.trace,
      log,
      peer,
    });
    if (!upgraded) return;

    const received = hooks.receivedFrom?.(socket) ?? 'Received';
    const ws = new ServerWebSocket(socket, head, { peer, received }, connectionOptions);
    connections.add(ws);
    try {
      log.event?.(`connected: ${peer} (${connections.size} open)`);
      if (hooks.greeting) ws.send('text', hooks.greeting(socket));
    } catch (error) {
      ws.fail(error); // 1011 for this client alone, as for an error in onMessage
    }
  });

  // 4. The heartbeat: ping every client; one that has not answered the previous ping by the next
  //    round is gone (TCP alone would not notice) and is cut off.
  const stopHeartbeat = startHeartbeat(() => connections, options.heartbeatInterval, log);

  const listening = await listen(http, options);

  return {
    url: listening.url,
    port: listening.port,
    stats() {
      let bufferedBytes = 0;
      for (const ws of connections) bufferedBytes += ws.bufferedBytes;
      return { connections: connections.size, bufferedBytes };
    },
    async close() {
      stopHeartbeat();
      listening.close();
      const closed = [...connections].map((ws) => {
        ws.close(SHUTDOWN_CODE, SHUTDOWN_REASON);
        return ws.closed;
      });
      await withDeadline(Promise.all(closed), SHUTDOWN_GRACE_MS);
      // Whoever did not answer in time is cut; their sockets close a moment later.
      for (const ws of connections) ws.terminate();
      http.closeAllConnections();
      await Promise.all(closed);
    },
  };
}
