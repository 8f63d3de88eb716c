import { once } from 'node:events';
import { createConnection, type Socket } from 'node:net';
import {
  encodeFrame,
  FrameParser,
  type ParserEvent,
  type ResponseHead,
  ResponseHeadReader,
  randomMaskKey,
  upgradeRequest,
} from 'shared';

/**
 * A WebSocket client on a bare TCP socket, for tests that must send what a well-behaved library
 * never would: unmasked frames, reserved opcodes, bad UTF-8, a close code that may not be sent.
 * It reads the server's frames with the `shared` parser.
 */
export class RawClient {
  readonly socket: Socket;
  /** The server's answer to the handshake. */
  readonly head: ResponseHead;
  /** Resolves when the TCP connection has closed. */
  readonly closed: Promise<void>;
  readonly #parser = new FrameParser({ role: 'client', maxPayload: 2 ** 31 });
  readonly #events: ParserEvent[] = [];
  #waiting: ((event: ParserEvent | undefined) => void)[] = [];
  #ended = false;

  private constructor(socket: Socket, head: ResponseHead, rest: Buffer) {
    this.socket = socket;
    this.head = head;
    // Resolves however the connection ends, a reset included ('error', then 'close').
    this.closed = new Promise((resolve) => socket.once('close', () => resolve()));
    socket.on('data', (chunk: Buffer) => this.#receive(chunk));
    socket.resume();
    socket.on('close', () => {
      this.#ended = true;
      for (const waiter of this.#waiting) waiter(undefined);
      this.#waiting = [];
    });
    if (rest.length > 0) this.#receive(rest);
  }

  /**
   * Connects and completes the opening handshake; rejects if the server does not answer 101.
   * `options.headers` go into the upgrade request too (`{ Origin: 'http://127.0.0.1:8082' }`);
   * `options.withRequest` are bytes sent in the same write as the request (frames a client sends
   * without waiting for the 101).
   */
  static async connect(
    port: number,
    host = '127.0.0.1',
    path = '/ws',
    options: { headers?: Record<string, string>; withRequest?: Buffer } = {},
  ): Promise<RawClient> {
    const socket = createConnection(port, host);
    socket.on('error', () => {}); // tests look at `closed` and the events instead
    await once(socket, 'connect');
    const { request } = upgradeRequest({
      host: `${host.includes(':') ? `[${host}]` : host}:${port}`,
      path,
    });
    const extra = Object.entries(options.headers ?? {}).map(
      ([name, value]) => `${name}: ${value}\r\n`,
    );
    const requestHead = request.replace(/\r\n$/, `${extra.join('')}\r\n`);
    socket.write(Buffer.concat([Buffer.from(requestHead), options.withRequest ?? Buffer.alloc(0)]));
    const { head, rest } = await readHead(socket);
    if (head.status !== 101) throw new Error(`server answered ${head.status} ${head.statusText}`);
    return new RawClient(socket, head, rest);
  }

  /** Writes bytes as they are. */
  write(bytes: Buffer | Uint8Array | number[]): void {
    this.socket.write(Buffer.from(bytes));
  }

  /** Writes one frame, masked with a random key unless `mask` is false. */
  sendFrame(
    opcode: number,
    payload: Buffer | string,
    options: { fin?: boolean; mask?: boolean } = {},
  ) {
    const data = typeof payload === 'string' ? Buffer.from(payload) : payload;
    const maskKey = options.mask === false ? undefined : randomMaskKey();
    this.write(encodeFrame({ opcode, payload: data, fin: options.fin ?? true, maskKey }));
  }

  /** The next thing the server sent, or undefined once the connection has closed. */
  next(): Promise<ParserEvent | undefined> {
    const event = this.#events.shift();
    if (event) return Promise.resolve(event);
    if (this.#ended) return Promise.resolve(undefined);
    return new Promise((resolve) => this.#waiting.push(resolve));
  }

  /** Waits for the server's close frame; resolves with its code and reason. */
  async nextClose(): Promise<{ code: number; reason: string }> {
    for (;;) {
      const event = await this.next();
      if (event === undefined) throw new Error('the connection closed without a close frame');
      if (event.type === 'close') return { code: event.code, reason: event.reason };
    }
  }

  #receive(chunk: Buffer): void {
    for (const event of this.#parser.push(chunk)) {
      const waiter = this.#waiting.shift();
      if (waiter) waiter(event);
      else this.#events.push(event);
    }
  }
}

/** Reads an HTTP response head from a socket; `rest` is whatever followed it. Leaves it paused. */
export function readHead(socket: Socket): Promise<{ head: ResponseHead; rest: Buffer }> {
  return new Promise((resolve, reject) => {
    const reader = new ResponseHeadReader();
    const onData = (chunk: Buffer) => {
      const result = reader.push(chunk);
      if (result.type === 'incomplete') return;
      stop();
      if (result.type === 'invalid') reject(new Error(result.reason));
      else resolve({ head: result.head, rest: result.rest });
    };
    const onClose = () => {
      stop();
      reject(new Error('the connection closed before a complete HTTP response'));
    };
    const stop = () => {
      socket.pause();
      socket.off('data', onData);
      socket.off('close', onClose);
    };
    socket.on('data', onData);
    socket.on('close', onClose);
  });
}

/**
 * Sends `request` (any bytes, valid HTTP or not) on a new connection and returns the server's
 * response: status, headers and body, read until the server closes the connection.
 */
export async function rawHttpExchange(
  port: number,
  request: string | Buffer,
  host = '127.0.0.1',
): Promise<{ head: ResponseHead; body: string }> {
  const socket = createConnection(port, host);
  socket.on('error', () => {});
  socket.write(request);
  const chunks: Buffer[] = [];
  for await (const chunk of socket) chunks.push(chunk as Buffer);
  const reader = new ResponseHeadReader();
  const result = reader.push(Buffer.concat(chunks));
  if (result.type !== 'complete')
    throw new Error(`no complete HTTP response: ${Buffer.concat(chunks)}`);
  return { head: result.head, body: result.rest.toString() };
}
