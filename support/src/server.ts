import type { Socket } from 'node:net';

/** What every server in the lesson gives back once it listens. */
export interface RunningServer {
  /** The WebSocket URL: `ws://localhost:8080/ws`. */
  url: string;
  port: number;
  /** Closes every connection with 1001 and stops listening. */
  close(): Promise<void>;
}

/**
 * What the hello servers add to the echo: a greeting, and log lines that name the sender. Each
 * is given the client's socket (see `greetingFor` and `clientAddress`).
 */
export interface EchoHooks {
  /** Sent to each client as soon as it connects. */
  greeting?: (socket: Socket) => string;
  /** The start of each message's log line; by default `Received`. */
  receivedFrom?: (socket: Socket) => string;
}
