import { once } from 'node:events';
import { type AddressInfo, createServer, type Server, type Socket } from 'node:net';
import { judge, Stop } from '../verdict.ts';
import { Changes } from '../wire/changes.ts';
import { Connection } from '../wire/connection.ts';
import type { FrameInfo, FrameSpec } from '../wire/frame.ts';
import { escapeText, hex } from '../wire/hex.ts';
import { type RequestHead, RequestReader } from '../wire/http.ts';
import type { WireLog } from '../wire/log.ts';
import { ClientProcess, describeExit } from './process.ts';
import { type ResponseSpec, responseBytes, switchingResponse } from './response.ts';

/** How the checker runs the client under test. */
export interface ClientSettings {
  /** The command, with `{url}` where the checker's URL goes. */
  command: string;
  /** The folder the command runs in: where `pnpm conformance` was typed. */
  cwd: string;
  /** How long to wait for an answer that should come. */
  timeoutMs: number;
}

/**
 * How long a client gets to start and connect: a program started through pnpm and tsx takes a
 * second or two before it opens TCP, more on a busy machine. --timeout raises it, never lowers it.
 */
export const CLIENT_START_MS = 10_000;

/**
 * The longest the checker waits to see that nothing happens (no frame sent before the 101, the
 * client not closing TCP at once). A client that does what it should answers such cases at once
 * with an event; this wait only runs out for one that does not, so it stays short.
 */
export const QUIET_MS = 1000;

/**
 * The path and query of the checker's URL. The query is there for the case that checks that a
 * client sends both (§3's resource name, §4.1).
 */
export const RESOURCE = '/ws?conformance=1';

/** A client's TCP connection before the handshake is done: its request read, its early bytes kept. */
export class Incoming {
  readonly socket: Socket;
  readonly number: number;
  readonly #log: WireLog;
  readonly #reader = new RequestReader();
  #head: RequestHead | 'too-large' | undefined;
  #early: Buffer[] = [];
  #earlyBytes = 0;
  #ended = false;
  readonly #changes = new Changes();
  readonly #onData = (chunk: Buffer) => this.#receive(chunk);
  readonly #onEnd = () => this.#end('the client closed TCP (FIN)');
  readonly #onClose = () => this.#end('TCP closed by the client');

  constructor(socket: Socket, number: number, log: WireLog) {
    this.socket = socket;
    this.number = number;
    this.#log = log;
    socket.on('data', this.#onData);
    socket.on('end', this.#onEnd);
    socket.on('close', this.#onClose);
  }

  /** Bytes that came after the request head, before the checker answered it. */
  get earlyBytes(): number {
    return this.#earlyBytes;
  }

  /** True once the client closed TCP (or half-closed it) before the 101. */
  get ended(): boolean {
    return this.#ended;
  }

  /** The request head; or why there is none (TCP closed, too large, nothing in time). */
  async request(ms: number): Promise<RequestHead | string> {
    const deadline = performance.now() + ms;
    for (;;) {
      if (this.#head === 'too-large') return 'a request head that goes on past 16 KiB';
      if (this.#head) return this.#head;
      if (this.#ended) return 'TCP closed before a whole request head came';
      if (!(await this.#changes.next(deadline)))
        return `no whole request head within ${ms / 1000} s`;
    }
  }

  /**
   * Resolves true when bytes have come after the request head - with it, or within `ms` - or
   * TCP has closed; false when nothing came in that time.
   */
  async sentEarly(ms: number): Promise<boolean> {
    const deadline = performance.now() + ms;
    while (this.#earlyBytes === 0 && !this.#ended) {
      if (!(await this.#changes.next(deadline))) return false;
    }
    return true;
  }

  /**
   * Answers the request with `response` (and frames in the same write), and hands the socket to
   * a Connection that reads the client's frames - the early bytes first, if any came.
   */
  answer(
    response: ResponseSpec,
    frames: FrameSpec[] = [],
    onFrame?: (frame: FrameInfo) => void,
  ): { connection: Connection; written: Promise<void> } {
    this.socket.off('data', this.#onData);
    this.socket.off('end', this.#onEnd);
    this.socket.off('close', this.#onClose);
    const connection = new Connection(this.socket, {
      number: this.number,
      log: this.#log,
      peer: 'client',
      upgraded: { head: Buffer.alloc(0) },
      ...(onFrame ? { onFrame } : {}),
    });
    const written = connection.sendHead(responseBytes(response), frames);
    connection.feed(Buffer.concat(this.#early));
    return { connection, written };
  }

  #receive(chunk: Buffer): void {
    if (this.#head !== undefined) {
      this.#keepEarly(chunk);
      return;
    }
    const read = this.#reader.push(chunk);
    if (read === undefined) return;
    if (read === 'too-large') {
      this.#head = 'too-large';
      this.#changes.wake();
      return;
    }
    const { head, rest } = read;
    const text = head.raw.toString('latin1');
    this.#log.add({
      connection: this.number,
      direction: 'in',
      summary: escapeText(text.split(/\r?\n/)[0] ?? ''),
      text,
      hex: hex(head.raw),
      bytes: head.raw.length,
    });
    this.#head = head;
    if (rest.length > 0) this.#keepEarly(rest);
    this.#changes.wake();
  }

  #keepEarly(chunk: Buffer): void {
    this.#log.add({
      connection: this.number,
      direction: 'in',
      summary: `${chunk.length} bytes before the checker's answer to the request`,
      hex: hex(chunk),
      bytes: chunk.length,
    });
    // The checker answers within moments: what a client sends meanwhile stays small, and past
    // the limit a Connection would refuse it as too large anyway.
    if (this.#earlyBytes < 1024 * 1024) this.#early.push(chunk);
    this.#earlyBytes += chunk.length;
    this.#changes.wake();
  }

  #end(summary: string): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#log.add({ connection: this.number, direction: 'tcp', summary });
    this.#changes.wake();
  }
}

/** A client run whose handshake is done: the program, its connection, and its request. */
export interface Opened {
  process: ClientProcess;
  connection: Connection;
  request: RequestHead;
}

/** A client run up to its request: the program, the TCP connection, and the request head. */
export interface Requested {
  process: ClientProcess;
  incoming: Incoming;
  request: RequestHead;
}

/**
 * What a client case works with: a listening socket of its own on 127.0.0.1, the client program
 * started with the URL of it, the client's connections, and the settings.
 */
export class ClientContext {
  readonly settings: ClientSettings;
  readonly log: WireLog;
  readonly processes: ClientProcess[] = [];
  readonly connections: Connection[] = [];
  #server: Server | undefined;
  #port = 0;
  readonly #sockets = new Set<Socket>();
  /** Connections accepted, waiting for the case to take them. */
  #accepted: Incoming[] = [];
  #count = 0;
  readonly #changes = new Changes();

  constructor(settings: ClientSettings, log: WireLog) {
    this.settings = settings;
    this.log = log;
  }

  get timeoutMs(): number {
    return this.settings.timeoutMs;
  }

  get quietMs(): number {
    return Math.min(QUIET_MS, this.settings.timeoutMs);
  }

  /** How long the client gets to start and connect. */
  get startMs(): number {
    return Math.max(CLIENT_START_MS, this.settings.timeoutMs);
  }

  /** The URL the client is given: the checker's own port, on loopback. */
  get url(): string {
    return `ws://127.0.0.1:${this.#port}${RESOURCE}`;
  }

  /** What the Host header must say (§4.1: the host, and the port when it is not 80). */
  get hostHeader(): string {
    return `127.0.0.1:${this.#port}`;
  }

  /** Runs the client's command with `{url}` replaced by the checker's URL. */
  async start(): Promise<ClientProcess> {
    await this.#listen();
    const command = this.settings.command.replaceAll('{url}', this.url);
    const process = new ClientProcess(command, this.settings.cwd, this.log);
    this.processes.push(process);
    return process;
  }

  /** The client's next TCP connection; the case ends FAILED if none comes. */
  async accept(process: ClientProcess): Promise<Incoming> {
    const deadline = performance.now() + this.startMs;
    // A client that exits without connecting ends the wait too.
    void process.exited.then(() => this.#changes.wake());
    for (;;) {
      const incoming = this.#accepted.shift();
      if (incoming) return incoming;
      if (process.exit) {
        await process.waitForExit(0);
        const said = process.errorLines.at(-1) ?? process.lines.at(-1)?.text;
        throw new Stop(
          judge.failed(
            'the client connects to the URL it was given',
            `it ${describeExit(process.exit)} without connecting${said ? `: ${escapeText(said, 200)}` : ''}`,
          ),
        );
      }
      if (!(await this.#changes.next(deadline))) {
        throw new Stop(
          judge.failed(
            'the client connects to the URL it was given',
            `no connection within ${this.startMs / 1000} s`,
          ),
        );
      }
    }
  }

  /** Starts the client and reads its upgrade request; the case ends FAILED without one. */
  async request(): Promise<Requested> {
    const process = await this.start();
    const incoming = await this.accept(process);
    const request = await incoming.request(this.timeoutMs);
    if (typeof request === 'string') {
      throw new Stop(judge.failed('an upgrade request from the client', request));
    }
    return { process, incoming, request };
  }

  /**
   * A whole handshake: the client started, its request read, a valid 101 sent - with `frames`
   * in the same write, if the case gives some.
   */
  async open(
    options: { frames?: FrameSpec[]; onFrame?: (frame: FrameInfo) => void } = {},
  ): Promise<Opened> {
    const { process, incoming, request } = await this.request();
    const { connection, written } = incoming.answer(
      switchingResponse(request),
      options.frames,
      options.onFrame,
    );
    this.connections.push(connection);
    await written;
    return { process, connection, request };
  }

  /** Answers a request with `response` and keeps the connection for `finish`. */
  answer(
    incoming: Incoming,
    response: ResponseSpec,
    frames: FrameSpec[] = [],
  ): { connection: Connection; written: Promise<void> } {
    const answered = incoming.answer(response, frames);
    this.connections.push(answered.connection);
    return answered;
  }

  /**
   * After the case: the client is stopped (its whole process group), then every connection and
   * the listening socket closed. Nothing here is judged: the case is over.
   */
  async finish(): Promise<void> {
    await Promise.all(this.processes.map((process) => process.stop()));
    for (const connection of this.connections) connection.destroy();
    for (const socket of this.#sockets) socket.destroy();
    const server = this.#server;
    if (server) await new Promise((resolve) => server.close(resolve));
  }

  async #listen(): Promise<void> {
    if (this.#server) return;
    const server = createServer((socket) => {
      socket.on('error', () => {}); // a reset shows as 'close'; the Connection says so
      socket.setNoDelay(true);
      this.#sockets.add(socket);
      socket.on('close', () => this.#sockets.delete(socket));
      this.#count++;
      this.log.add({
        connection: this.#count,
        direction: 'tcp',
        summary: `the client connected, from port ${socket.remotePort}`,
      });
      this.#accepted.push(new Incoming(socket, this.#count, this.log));
      this.#changes.wake();
    });
    this.#server = server;
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    this.#port = (server.address() as AddressInfo).port;
  }
}
