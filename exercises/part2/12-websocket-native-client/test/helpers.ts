/**
 * What the native-client tests share: the client run in this process with a fake terminal, the
 * client run as a program, the tests' own servers (test/servers.ts) started in this process, and
 * a raw "server" that answers the handshake and reads the client's frames with shared's parser.
 * Everything a test starts is stopped after it (call `cleanUpAfterEachTest()` once per file).
 */
import type { Socket } from 'node:net';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { acceptResponse, type Frame, FrameParser, type ParserEvent } from 'shared';
import { ExpectedError } from 'support';
import { LineWatcher, spawnProgram, startScriptedServer } from 'support/testing';
import { afterEach } from 'vitest';
import { runClient } from '../src/client.ts';
import { type ClientOptions, readClientOptions } from '../src/options.ts';
import type { Terminal } from '../src/terminal.ts';
import * as servers from './servers.ts';

/** This package's directory, where `src/main.ts` is: for the tests that run the program. */
export const packageDir = fileURLToPath(new URL('..', import.meta.url));

/** The line the client prints once the handshake is done. */
export const CONNECTED = 'Connected! Type messages, Ctrl+D or Ctrl+C to quit.';

// What the current test started: clients first, to be ended; then servers and programs.
const clients: InProcessClient[] = [];
let cleanups: (() => unknown)[] = [];

/**
 * Call once at the top of a test file. After each test: the in-process clients still running
 * get the end of their input, servers and programs are stopped, and every client has finished.
 */
export function cleanUpAfterEachTest(): void {
  afterEach(async () => {
    const started = clients.splice(0);
    for (const client of started) client.input.end();
    for (const cleanup of cleanups.reverse()) await cleanup();
    cleanups = [];
    await Promise.all(started.map((client) => client.finished.catch(() => {})));
  });
}

export interface InProcessClient {
  /** What the client reads its lines from, as it would read stdin. */
  input: PassThrough;
  /** What it printed with `print` (stdout), line by line. */
  stdout: LineWatcher;
  /** What it printed with `printError` (stderr). */
  stderr: LineWatcher;
  /** Both, in the order they were printed. */
  output: LineWatcher;
  /** Types lines, as someone at the keyboard pressing Enter after each. */
  type(...lines: string[]): void;
  /** Presses Ctrl+C (the real terminal also calls this on SIGTERM). */
  interrupt(): void;
  /** Whether the client still listens for Ctrl+C. */
  readonly listeningForInterrupt: boolean;
  /** Whether it already listened for Ctrl+C when it printed "Connected! ... Ctrl+C to quit." */
  readonly listeningWhenConnected: boolean | undefined;
  /** The exit code: what `runClient` resolves with, or 1 (2) for the one line it fails with. */
  finished: Promise<number>;
}

/**
 * `runClient` in this process, with a fake terminal. A failure before the connection is open
 * (`ExpectedError`) is treated as src/main.ts treats it: its message becomes the one stderr line,
 * its exitCode the exit code.
 */
export function startClient(
  url: string,
  options: Partial<Omit<ClientOptions, 'url'>> = {},
): InProcessClient {
  const input = new PassThrough();
  const stdout = new LineWatcher();
  const stderr = new LineWatcher();
  const output = new LineWatcher();
  let stop: (() => void) | undefined;
  let listeningWhenConnected: boolean | undefined;
  const terminal: Terminal = {
    input,
    print(line) {
      if (line === CONNECTED) listeningWhenConnected = stop !== undefined;
      stdout.push(line);
      output.push(line);
    },
    printError(line) {
      stderr.push(line);
      output.push(line);
    },
    onInterrupt(callback) {
      stop = callback;
      return () => {
        stop = undefined;
      };
    },
  };
  // The program's defaults for this URL, as if it were the only argument.
  const clientOptions: ClientOptions = { ...readClientOptions([url]), ...options };
  const finished = runClient(clientOptions, terminal).catch((error: unknown) => {
    if (!(error instanceof ExpectedError)) throw error;
    terminal.printError(error.message);
    return error.exitCode;
  });
  // Once the client is done, waiting for a line that never came fails at once, with the output.
  const end = () => {
    for (const watcher of [stdout, stderr, output]) watcher.end('the client finished');
  };
  finished.then(end, end);

  const client: InProcessClient = {
    input,
    stdout,
    stderr,
    output,
    type: (...lines) => {
      for (const line of lines) input.write(`${line}\n`);
    },
    interrupt() {
      if (stop === undefined) throw new Error('the client does not listen for Ctrl+C');
      stop();
    },
    get listeningForInterrupt() {
      return stop !== undefined;
    },
    get listeningWhenConnected() {
      return listeningWhenConnected;
    },
    finished,
  };
  clients.push(client);
  return client;
}

/** The client as a program (`pnpm --filter native-client start ...args`); `finished`: exit code. */
export function startProgram(...args: string[]) {
  const program = spawnProgram(packageDir, args);
  cleanups.push(() => program.child.kill('SIGKILL'));
  return { ...program, finished: program.exited.then((exit) => exit.code) };
}

/** src/minimal.ts as a program (`pnpm --filter native-client start:minimal URL`), stdin a pipe. */
export function startMinimalProgram(url: string) {
  const program = spawnProgram(packageDir, [url], {}, 'src/minimal.ts');
  cleanups.push(() => program.child.kill('SIGKILL'));
  return program;
}

/** A server of test/servers.ts, stopped after the test. */
async function started(server: Promise<servers.TestServer>): Promise<servers.TestServer> {
  const running = await server;
  cleanups.push(running.stop);
  return running;
}

/** An echo server built with `ws`, on `ws://localhost:PORT/ws` (127.0.0.1 and ::1). */
export const startEchoServer = () => started(servers.startEchoServer());
/** An echo server by hand, on shared's `WebSocketProtocol`, on `ws://127.0.0.1:PORT/ws`. */
export const startHandMadeEchoServer = () => started(servers.startHandMadeEchoServer());
/** A `ws` server that greets each client with its IP address first, then echoes. */
export const startGreetingServer = () => started(servers.startGreetingServer());

/** A hand-made server (see startScriptedServer), closed after the test; resolves with its URL. */
export async function scripted(onRequest: Parameters<typeof startScriptedServer>[0]) {
  const server = await startScriptedServer(onRequest);
  cleanups.push(() => server.close());
  return server.url;
}

/** The client as a raw server sees it, after a correct 101: what it sent, and a way to answer. */
export interface ClientSide {
  socket: Socket;
  /** The client's upgrade request, as it arrived. */
  request: string;
  /** Every frame the client sent, as shared's parser read it: masking key, unmasked payload. */
  frames: Frame[];
  /** The bytes the client sent after the handshake, exactly as they came over the wire. */
  wire: Buffer[];
  /** The next thing the client sent (a message, ping, pong, close), or undefined after TCP ended. */
  next(): Promise<ParserEvent | undefined>;
  /** Skips to the client's close frame; resolves with its code and reason. */
  nextClose(): Promise<{ code: number; reason: string }>;
  /** Writes bytes as they are: frames made with `serverFrame`. */
  write(...bytes: Buffer[]): void;
  /** Resolves when the TCP connection has closed. */
  closed: Promise<void>;
}

/**
 * A raw server: answers the upgrade request with a correct 101, then hands the connection to
 * `onConnection`. It reads the client's frames with `FrameParser({ role: 'server' })`, which
 * insists that each one is masked. Resolves with its URL. `answer` writes the 101 differently
 * (it must still be one the client accepts): folded headers, say.
 */
export function rawServer(
  onConnection: (client: ClientSide) => void,
  answer: (key: string) => string = acceptResponse,
): Promise<string> {
  return scripted((socket, key, request) => {
    const frames: Frame[] = [];
    const wire: Buffer[] = [];
    const events: ParserEvent[] = [];
    let waiting: ((event: ParserEvent | undefined) => void)[] = [];
    let ended = false;
    const parser = new FrameParser({
      role: 'server',
      maxPayload: 2 ** 31,
      onFrame: (frame) => frames.push({ ...frame, payload: Buffer.from(frame.payload) }),
    });
    socket.on('data', (chunk: Buffer) => {
      wire.push(Buffer.from(chunk)); // a copy: the parser unmasks the chunk in place
      for (const event of parser.push(chunk)) {
        const waiter = waiting.shift();
        if (waiter) waiter(event);
        else events.push(event);
      }
    });
    const closed = new Promise<void>((resolve) => {
      socket.once('close', () => {
        ended = true;
        for (const waiter of waiting) waiter(undefined);
        waiting = [];
        resolve();
      });
    });
    const next = (): Promise<ParserEvent | undefined> => {
      const event = events.shift();
      if (event) return Promise.resolve(event);
      if (ended) return Promise.resolve(undefined);
      return new Promise((resolve) => waiting.push(resolve));
    };
    socket.write(answer(key));
    onConnection({
      socket,
      request,
      frames,
      wire,
      next,
      async nextClose() {
        for (;;) {
          const event = await next();
          if (event === undefined) throw new Error('the connection closed without a close frame');
          if (event.type === 'error')
            throw new Error(`the client broke the protocol: ${event.error.message}`);
          if (event.type === 'close') return { code: event.code, reason: event.reason };
        }
      },
      write(...bytes) {
        for (const chunk of bytes) socket.write(chunk);
      },
      closed,
    });
  });
}

/**
 * A server frame with any header, including those `encodeFrame` refuses to build: reserved
 * opcodes, RSV bits, fragmented or oversized control frames, lengths far beyond any limit, a mask
 * (a server must never send one, RFC 6455 §5.1). It is shared's `rawFrame`; and `closePayload` is
 * the payload of a close frame with any status code, even one that may not be sent (§7.4).
 */
export { rawClosePayload as closePayload, rawFrame as serverFrame } from 'shared/testing';
