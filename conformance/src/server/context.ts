import { openSocket, type Target } from '../target.ts';
import { judge, Stop } from '../verdict.ts';
import { closePayload, isSendableCode } from '../wire/close-codes.ts';
import { Connection } from '../wire/connection.ts';
import type { FrameSpec } from '../wire/frame.ts';
import { checkSwitch, type Offer, randomKey, upgradeHeaders } from '../wire/handshake.ts';
import type { ResponseHead } from '../wire/http.ts';
import type { WireLog } from '../wire/log.ts';

/** How the checker talks to the server under test. */
export interface ServerSettings {
  target: Target;
  /** How long to wait for an answer that should come. */
  timeoutMs: number;
  /** Messages the server sends of its own right after the handshake (the hello servers: 1). */
  greeting: number;
}

/**
 * The longest the checker waits to see that nothing happens (that a server does not close TCP,
 * does not fail a message early). A correct server answers such cases with an event at once;
 * this wait only runs out for a server that does not, so it stays short.
 */
export const QUIET_MS = 1000;

export interface OpenOptions {
  /** The request's headers; the valid ones by default. */
  headers?: (host: string, key: string) => (readonly [string, string])[];
  /** What the request offers, which the 101 may take up. */
  offer?: Offer;
  /** Frames sent in the same write as the request. */
  withRequest?: FrameSpec[];
  /** Wait for the greeting before returning (default true). */
  awaitGreeting?: boolean;
  /** Leave the greeting out of what `next` returns (default true); false: the case counts it. */
  skipGreeting?: boolean;
}

/** What a server case works with: connections to the server, and its settings. */
export class ServerContext {
  readonly settings: ServerSettings;
  readonly log: WireLog;
  readonly connections: Connection[] = [];

  constructor(settings: ServerSettings, log: WireLog) {
    this.settings = settings;
    this.log = log;
  }

  get timeoutMs(): number {
    return this.settings.timeoutMs;
  }

  get quietMs(): number {
    return Math.min(QUIET_MS, this.settings.timeoutMs);
  }

  /** A TCP (or TLS) connection, before any HTTP. */
  async connect(skipGreeting = true): Promise<Connection> {
    const { target, timeoutMs } = this.settings;
    const greeting = skipGreeting ? this.settings.greeting : 0;
    try {
      const socket = await openSocket(target, timeoutMs);
      const number = this.connections.length + 1;
      const connection = new Connection(socket, { number, log: this.log, greeting });
      this.connections.push(connection);
      this.log.add({
        connection: connection.number,
        direction: 'tcp',
        summary: `TCP connected to ${target.hostHeader}${target.secure ? ' (TLS)' : ''}`,
      });
      return connection;
    } catch (error) {
      throw new Stop(
        judge.failed('a connection to the server', `no connection: ${(error as Error).message}`),
      );
    }
  }

  /** Sends an upgrade request and returns the server's answer (or ends the case without one). */
  async request(
    connection: Connection,
    headers: (readonly [string, string])[],
    withRequest: FrameSpec[] = [],
  ): Promise<ResponseHead> {
    await connection.sendRequest({ target: this.settings.target.path, headers }, withRequest);
    const answer = await connection.next(this.timeoutMs);
    if (answer.kind === 'response') return answer.head;
    const what =
      answer.kind === 'closed'
        ? 'TCP closed with no HTTP response'
        : answer.kind === 'timeout'
          ? `no HTTP response within ${this.timeoutMs / 1000} s`
          : answer.kind === 'violation'
            ? `${answer.text} (RFC ${answer.section})`
            : `${answer.kind} before any HTTP response`;
    throw new Stop(judge.failed('an HTTP response to the upgrade request', what));
  }

  /**
   * A WebSocket connection: a valid upgrade request (or the case's), a 101 checked as a client
   * must check it (RFC 6455 §4.1), and the greeting read. Ends the case FAILED otherwise.
   */
  async open(options: OpenOptions = {}): Promise<Connection> {
    const connection = await this.connect(options.skipGreeting !== false);
    const key = randomKey();
    const host = this.settings.target.hostHeader;
    const headers = options.headers?.(host, key) ?? upgradeHeaders(host, key);
    const head = await this.request(connection, headers, options.withRequest);
    const problems = checkSwitch(head, key, options.offer);
    if (problems.length > 0) {
      const refused = head.status !== 101;
      throw new Stop(
        judge.failed(
          'the server accepts a valid upgrade request with a correct 101 (RFC 6455 §4.2.2)',
          refused
            ? `the server refused it: ${head.status} ${head.reason}`
            : problems.map((problem) => `${problem.text} (§${problem.section})`).join('; '),
        ),
      );
    }
    if (options.awaitGreeting !== false && options.skipGreeting !== false) {
      const instead = await connection.greeted(this.timeoutMs);
      if (instead) {
        throw new Stop(
          judge.failed(
            `the server's greeting of ${this.settings.greeting} message(s) (--greeting)`,
            instead.kind === 'timeout'
              ? `no greeting within ${this.timeoutMs / 1000} s`
              : `${instead.kind} before the greeting`,
          ),
        );
      }
    }
    return connection;
  }

  /**
   * After the case: each connection still open is closed as a polite client closes - a close
   * frame (unless one was sent, or the server broke a rule), the end of our side, a short wait
   * for the server to close TCP - then cut.
   */
  async finish(): Promise<void> {
    await Promise.all(
      this.connections.map(async (connection) => {
        if (connection.tcpClosed) return;
        // Plain HTTP (a refusal) needs no closing handshake, and a server that broke a rule gets
        // none: the checker stopped reading it.
        if (!connection.upgraded || connection.stopped) {
          connection.destroy();
          return;
        }
        if (!connection.closeSent) {
          // The reply echoes the server's code, when it is one a close frame may carry.
          const code = connection.closeCode;
          const reply = code !== undefined && isSendableCode(code) ? code : 1000;
          await connection.send({ opcode: 0x8, payload: closePayload(reply) });
        }
        connection.end();
        await connection.whenClosed(this.quietMs);
        connection.destroy();
      }),
    );
  }
}

export { closePayload } from '../wire/close-codes.ts';
