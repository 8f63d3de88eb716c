import type { Log } from './log.ts';

/** A connection as the heartbeat sees it. */
export interface Pingable {
  /** Who, for the log line: `127.0.0.1:52344`. */
  readonly peer: string;
  /** Set when a ping goes out; the connection clears it when the pong comes back. */
  awaitingPong: boolean;
  ping(): void;
  /** Cuts the connection without a closing handshake: the peer no longer answers. */
  terminate(): void;
}

/**
 * The heartbeat. Every `interval` ms each connection gets a ping; one that has not answered the
 * previous ping by then is gone - TCP alone would not notice a pulled cable - and is cut off.
 * Returns the function that stops it.
 */
export function startHeartbeat(
  connections: () => Iterable<Pingable>,
  interval: number,
  log: Log,
): () => void {
  const timer = setInterval(() => {
    for (const connection of connections()) {
      if (connection.awaitingPong) {
        log.event?.(`no pong from ${connection.peer}: terminating the connection`);
        connection.terminate();
        continue;
      }
      connection.awaitingPong = true;
      connection.ping();
    }
  }, interval);
  return () => clearInterval(timer);
}
