import { once } from 'node:events';
import { type AddressInfo, createServer, type Socket } from 'node:net';

export interface ScriptedServer {
  url: string;
  port: number;
  close(): void;
}

/**
 * A "server" on a bare TCP socket, for testing clients against misbehaviour no WebSocket library
 * would allow: a wrong accept key, a masked frame, a reserved opcode, no answer at all.
 * `onRequest` gets the socket once the client's upgrade request has arrived, with its
 * Sec-WebSocket-Key; what to answer is up to it (`acceptResponse(key)` from `shared` for a
 * correct 101).
 */
export async function startScriptedServer(
  onRequest: (socket: Socket, key: string, request: string) => void,
): Promise<ScriptedServer> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    let head = '';
    const onData = (chunk: Buffer) => {
      head += chunk.toString('latin1');
      if (!head.includes('\r\n\r\n')) return;
      socket.off('data', onData);
      onRequest(socket, /^sec-websocket-key:\s*(\S+)/im.exec(head)?.[1] ?? '', head);
    };
    socket.on('data', onData);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `ws://127.0.0.1:${port}/ws`,
    port,
    close() {
      for (const socket of sockets) socket.destroy();
      server.close();
    },
  };
}

/** A port where nothing listens: one the system just handed out and took back. */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  server.close();
  await once(server, 'close');
  return port;
}
