import type { Socket } from 'node:net';
import { Changes } from './changes.ts';
import {
  type BuiltFrame,
  buildFrame,
  describeFrame,
  type FrameInfo,
  FrameReader,
  type FrameSpec,
  isControl,
  Opcode,
  opcodeName,
} from './frame.ts';
import { escapeText, hex, preview } from './hex.ts';
import { type RequestSpec, type ResponseHead, ResponseReader, requestBytes } from './http.ts';
import { logFrame, type WireEntry, type WireLog } from './log.ts';
import { type Chunking, WHOLE } from './pieces.ts';
import { brokenClosePayload, brokenFrameRule, type PeerRole, type Rule } from './rules.ts';
import { firstInvalidUtf8 } from './utf8.ts';

/**
 * The largest frame or message the checker reads from a peer. Its biggest message is 16 MiB and
 * a bit; an echo cannot be larger, and a peer that announces more is not reading its input.
 */
export const MAX_INCOMING = 64 * 1024 * 1024;

/** What a connection brings, one at a time, in the order it happened. */
export type Happening =
  | { kind: 'response'; head: ResponseHead }
  | {
      kind: 'message';
      type: 'text' | 'binary';
      data: Buffer;
      frames: number;
      /** performance.now() when its last byte was read (before the checker looked at it). */
      at: number;
    }
  | { kind: 'pong'; data: Buffer }
  | { kind: 'close'; code: number | undefined; reason: string }
  | { kind: 'closed'; reset: boolean }
  | { kind: 'violation'; section: string; text: string }
  | { kind: 'timeout'; ms: number };

/** A data message being put together from its fragments. */
interface Fragments {
  type: 'text' | 'binary';
  parts: Buffer[];
  length: number;
}

export interface ConnectionOptions {
  /** Which connection of the case: 1, 2... (for the wire log). */
  number: number;
  log: WireLog;
  /** Messages the peer sends of its own first, left out of what `next` returns. */
  greeting?: number;
  /** The peer checked: a server (the default) or a client, whose frames are masked. */
  peer?: PeerRole;
  /**
   * The handshake is already done (client mode answers it itself): frames from the start,
   * beginning with `head`, the bytes that came after the request.
   */
  upgraded?: { head: Buffer };
  /** Sees every frame the peer sends, before it is judged (client mode collects mask keys). */
  onFrame?: (frame: FrameInfo) => void;
}

/**
 * One TCP connection of a case, from the checker's side: it writes what the case says (HTTP,
 * frames, raw bytes), logs every byte both ways, reads the answer to the upgrade request, then
 * the peer's frames - which it checks against the rules every frame from such a peer must follow
 * (rules.ts: masking, RSV 0, known opcodes, control frames short and whole; and here UTF-8 text,
 * fragments in order, nothing after the close) - and hands the case what happened, in order.
 *
 * It answers the peer's pings with pongs by itself, as any endpoint does (never in the middle of
 * a frame of its own), and leaves out the first `greeting` messages (a server that speaks first,
 * like the hello servers).
 */
export class Connection {
  readonly socket: Socket;
  readonly number: number;
  readonly #log: WireLog;
  #phase: 'http' | 'body' | 'frames' | 'stopped' = 'http';
  readonly #response = new ResponseReader();
  readonly #frames = new FrameReader(MAX_INCOMING);
  #message: Fragments | undefined;
  #queue: Happening[] = [];
  #closed: Happening | undefined;
  /** Whoever waits for something to happen (next, greeted, whenClosed). */
  readonly #changes = new Changes();
  #greetingLeft: number;
  #closeSent = false;
  #closeReceived = false;
  #ignoredBytes = 0;
  #errorCode: string | undefined;
  #destroyedByUs = false;
  #upgraded = false;
  #closeCode: number | undefined;
  /**
   * True while a frame is only partly written (sent in pieces, or held back): a pong that answers
   * the peer's ping waits in #pongs until the frame is whole, or it would land inside it.
   */
  #midFrame = false;
  #pongs: Buffer[] = [];
  readonly #peer: PeerRole;
  readonly #observe: ((frame: FrameInfo) => void) | undefined;

  constructor(socket: Socket, options: ConnectionOptions) {
    this.socket = socket;
    this.number = options.number;
    this.#log = options.log;
    this.#greetingLeft = options.greeting ?? 0;
    this.#peer = options.peer ?? 'server';
    this.#observe = options.onFrame;
    socket.on('data', (chunk: Buffer) => this.#receive(chunk));
    socket.on('error', (error: NodeJS.ErrnoException) => {
      this.#errorCode ??= error.code ?? error.message;
    });
    socket.on('end', () => this.#tcpClosed('the peer closed TCP (FIN)', false));
    socket.on('close', () => {
      if (this.#destroyedByUs) return;
      const reset = this.#errorCode !== undefined;
      this.#tcpClosed(reset ? `TCP reset (${this.#errorCode})` : 'TCP closed by the peer', reset);
    });
    if (options.upgraded) {
      this.#upgraded = true;
      this.#phase = 'frames';
      if (options.upgraded.head.length > 0) this.#receive(options.upgraded.head);
    }
    // Taken over after the peer had closed its side (client mode reads the request first).
    if (socket.readableEnded) this.#tcpClosed('the peer closed TCP (FIN)', false);
    else if (socket.destroyed) this.#tcpClosed('TCP closed by the peer', false);
  }

  /**
   * Reads bytes that came from the peer before this object took the socket over: in client mode,
   * anything the client sent after its request and before the checker's 101 (which §4.1 forbids,
   * and a case may look for), read once the 101 is written.
   */
  feed(bytes: Buffer): void {
    if (bytes.length > 0) this.#receive(bytes);
  }

  /** A frame as the checker sends it: masked to a server (a fresh key each), not to a client. */
  #build(frame: FrameSpec | BuiltFrame): BuiltFrame {
    if ('bytes' in frame) return frame;
    return buildFrame({ ...frame, mask: frame.mask ?? this.#peer === 'server' });
  }

  /** True once a 101 has come: the connection speaks WebSocket. */
  get upgraded(): boolean {
    return this.#upgraded;
  }

  /** True once the peer broke a rule: the checker reads nothing more from it. */
  get stopped(): boolean {
    return this.#phase === 'stopped';
  }

  /** The code of the peer's close frame, if it had one. */
  get closeCode(): number | undefined {
    return this.#closeCode;
  }

  /** True once the peer's close frame has come. */
  get closeReceived(): boolean {
    return this.#closeReceived;
  }

  get closeSent(): boolean {
    return this.#closeSent;
  }

  /** True once TCP is closed, by either side. */
  get tcpClosed(): boolean {
    return this.#closed !== undefined || this.socket.destroyed;
  }

  // --- writing ---

  /** Writes bytes as they are, with a line for the log. */
  write(bytes: Buffer, entry: Pick<WireEntry, 'summary'> & Partial<WireEntry>): Promise<void> {
    this.#note({ direction: 'out', bytes: bytes.length, hex: hex(bytes), ...entry });
    return this.#write(bytes);
  }

  /** Writes an HTTP request head, and any frames sent with it in the same write. */
  sendRequest(spec: RequestSpec | Buffer, frames: FrameSpec[] = []): Promise<void> {
    return this.sendHead(Buffer.isBuffer(spec) ? spec : requestBytes(spec), frames);
  }

  /**
   * Writes an HTTP head (a request, or in client mode the response to the client's request), and
   * any frames sent with it in the same write.
   */
  sendHead(head: Buffer, frames: FrameSpec[] = []): Promise<void> {
    const text = head.toString('latin1');
    this.#note({
      direction: 'out',
      summary: escapeText(text.split(/\r?\n/)[0] ?? ''),
      text,
      hex: hex(head),
      bytes: head.length,
    });
    const built = frames.map((frame) => this.#logFrame(this.#build(frame)));
    return this.#write(Buffer.concat([head, ...built.map((frame) => frame.bytes)]));
  }

  /**
   * Writes frames, in one write or in the pieces a chunking makes (each piece written once the
   * previous one has left). Resolves when the last byte is written, or TCP is gone.
   */
  async send(
    frames: FrameSpec | (FrameSpec | BuiltFrame)[],
    chunking: Chunking = WHOLE,
  ): Promise<void> {
    // Frames built beforehand (a timed case masks 16 MiB before it starts its clock) or here.
    const built = (Array.isArray(frames) ? frames : [frames]).map((frame) =>
      this.#logFrame(this.#build(frame)),
    );
    const bytes = Buffer.concat(built.map((frame) => frame.bytes));
    const sizes = chunking.sizes(bytes.length, built[0]?.info.header.length ?? 0);
    if (sizes.length > 1) {
      const shown = sizes.slice(0, 12).join(', ');
      this.#note({
        direction: 'out',
        summary: `(the ${bytes.length} bytes above go in ${sizes.length} writes: ${shown}${sizes.length > 12 ? ', ...' : ''})`,
      });
    }
    let offset = 0;
    this.#midFrame = true;
    try {
      for (const size of sizes) {
        // Once TCP is closed nothing can be sent; once the peer's close frame has come in the
        // middle of these pieces, the rest would not be read. (A frame sent whole after the
        // peer's close - the close frame that answers it - goes.)
        if (this.tcpClosed || (this.#closeReceived && offset > 0)) {
          this.#note({
            direction: 'out',
            summary: `(the other ${bytes.length - offset} bytes not sent: ${this.tcpClosed ? 'TCP is closed' : "the peer's close frame came"})`,
          });
          return;
        }
        await this.#writeUntilPeerCloses(bytes.subarray(offset, offset + size));
        offset += size;
        // Let the event loop turn, so that each piece leaves on its own.
        if (sizes.length > 1) await new Promise((resolve) => setImmediate(resolve));
      }
    } finally {
      this.#frameWhole();
    }
  }

  /** The frames being written are whole on the wire: the pongs that waited go now. */
  #frameWhole(): void {
    this.#midFrame = false;
    for (const pong of this.#pongs.splice(0)) void this.#write(pong);
  }

  /**
   * Writes the first `first` bytes of frames now and returns what writes the rest: for a case
   * that waits to see whether the server reacts before a frame has fully arrived.
   */
  async sendHeldBack(frames: FrameSpec | FrameSpec[], first: number): Promise<() => Promise<void>> {
    const built = (Array.isArray(frames) ? frames : [frames]).map((spec) =>
      this.#logFrame(this.#build(spec)),
    );
    const bytes = Buffer.concat(built.map((frame) => frame.bytes));
    this.#note({
      direction: 'out',
      summary: `(only the first ${first} of these ${bytes.length} bytes go now; the rest is held back)`,
    });
    this.#midFrame = true;
    await this.#writeUntilPeerCloses(bytes.subarray(0, first));
    return async () => {
      this.#note({ direction: 'out', summary: `(the ${bytes.length - first} bytes held back)` });
      await this.#writeUntilPeerCloses(bytes.subarray(first));
      this.#frameWhole();
    };
  }

  /** Ends the checker's side of TCP (a FIN): "I will send nothing more". */
  end(): void {
    if (this.socket.destroyed || this.socket.writableEnded) return;
    this.#note({ direction: 'tcp', summary: 'the checker closed its side of TCP (FIN)' });
    this.socket.end();
  }

  /** Closes TCP at once. */
  destroy(): void {
    if (this.socket.destroyed) return;
    if (!this.#closed) {
      this.#destroyedByUs = true;
      this.#note({ direction: 'tcp', summary: 'the checker closed TCP' });
    }
    this.socket.destroy();
  }

  #logFrame(frame: BuiltFrame): BuiltFrame {
    if (frame.info.opcode === Opcode.Close) this.#closeSent = true;
    this.#note({
      direction: 'out',
      summary: describeFrame(frame.info, preview),
      hex: hex(frame.bytes),
      bytes: frame.bytes.length,
      frame: logFrame(frame.info),
    });
    return frame;
  }

  /**
   * Writes, and resolves once the bytes are written - or once the peer closes (its close frame,
   * or TCP), since then they may never be: a peer that stopped reading in the middle of 16 MiB
   * leaves the rest in the socket's buffer, and the case has its answer already.
   */
  async #writeUntilPeerCloses(bytes: Buffer): Promise<void> {
    const written = this.#write(bytes);
    let done = false;
    void written.then(() => {
      done = true;
    });
    while (!done && !this.#closeReceived && !this.tcpClosed) {
      await Promise.race([written, this.#changes.nextAtAll()]);
    }
  }

  #write(bytes: Buffer): Promise<void> {
    if (this.socket.destroyed || this.socket.writableEnded) return Promise.resolve();
    return new Promise((resolve) => this.socket.write(bytes, () => resolve()));
  }

  // --- reading ---

  /**
   * The next thing that happened; `timeout` when nothing did within `ms`. Once TCP has closed,
   * every later call returns that.
   */
  async next(ms: number): Promise<Happening> {
    const deadline = performance.now() + ms;
    for (;;) {
      const happening = this.#queue.shift() ?? this.#closed;
      if (happening) return happening;
      if (!(await this.#changes.next(deadline))) return { kind: 'timeout', ms };
    }
  }

  /** Puts back what `next` returned, for the next call to return again. */
  unread(happening: Happening): void {
    if (happening.kind !== 'closed' && happening.kind !== 'timeout') this.#queue.unshift(happening);
  }

  /**
   * Waits until the greeting messages have all come. Undefined then; otherwise what came
   * instead (left in place for `next`), or a timeout.
   */
  async greeted(ms: number): Promise<Happening | undefined> {
    const deadline = performance.now() + ms;
    for (;;) {
      if (this.#greetingLeft === 0) return undefined;
      const happening = this.#queue[0] ?? this.#closed;
      if (happening) return happening;
      if (!(await this.#changes.next(deadline))) return { kind: 'timeout', ms };
    }
  }

  /** Resolves true when TCP is closed within `ms`. */
  async whenClosed(ms: number): Promise<boolean> {
    const deadline = performance.now() + ms;
    while (!this.tcpClosed) if (!(await this.#changes.next(deadline))) return false;
    return true;
  }

  #push(happening: Happening): void {
    this.#queue.push(happening);
    this.#changes.wake();
  }

  #note(entry: Omit<WireEntry, 'ms' | 'connection'>): void {
    this.#log.add({ connection: this.number, ...entry });
  }

  #tcpClosed(summary: string, reset: boolean): void {
    if (this.#closed) return;
    this.#note({ direction: 'tcp', summary });
    this.#closed = { kind: 'closed', reset };
    this.#changes.wake();
  }

  #receive(chunk: Buffer): void {
    switch (this.#phase) {
      case 'http':
        this.#readResponse(chunk);
        break;
      case 'body':
        this.#note({
          direction: 'in',
          summary: `${chunk.length} bytes of response body: ${escapeText(chunk.toString('latin1'), 120)}`,
          bytes: chunk.length,
        });
        break;
      case 'frames':
        this.#readFrames(chunk);
        break;
      case 'stopped':
        this.#ignore(chunk.length);
        break;
    }
    this.#changes.wake();
  }

  #readResponse(chunk: Buffer): void {
    const read = this.#response.push(chunk);
    if (read === undefined) return;
    if (read === 'too-large') {
      this.#phase = 'stopped';
      this.#violation('RFC 9112 2.2', 'the response head goes on past 16 KiB without its end');
      return;
    }
    const { head, rest } = read;
    const text = head.raw.toString('latin1');
    this.#note({
      direction: 'in',
      summary: escapeText(text.split(/\r?\n/)[0] ?? ''),
      text,
      hex: hex(head.raw),
      bytes: head.raw.length,
    });
    this.#push({ kind: 'response', head });
    this.#upgraded = head.status === 101;
    this.#phase = this.#upgraded ? 'frames' : 'body';
    if (rest.length > 0) this.#receive(rest);
  }

  #readFrames(chunk: Buffer): void {
    for (const item of this.#frames.push(chunk)) {
      if (this.#phase !== 'frames') return;
      if (item.kind === 'unreadable') {
        this.#note({
          direction: 'in',
          summary: `a frame header announcing ${item.length} bytes`,
          hex: hex(item.header),
          bytes: item.header.length,
        });
        if (item.why === 'top-bit') {
          this.#violation('5.2', 'a 64-bit length with its most significant bit set');
        } else {
          this.#violation('5.2', `a frame of ${item.length} bytes, more than the checker reads`);
        }
        return;
      }
      this.#note({
        direction: 'in',
        summary: describeFrame(item.frame, preview),
        hex: hex(Buffer.concat([item.frame.header, item.frame.payload.subarray(0, 64)])),
        bytes: item.frame.header.length + item.frame.payload.length,
        frame: logFrame(item.frame),
      });
      this.#onFrame(item.frame);
    }
  }

  /** The rules every frame from the peer follows, then what the frame means. */
  #onFrame(frame: FrameInfo): void {
    this.#observe?.(frame);
    if (this.#closeReceived) {
      // §5.5.1: "After sending a Close frame, the endpoint MUST NOT send any further data frames."
      if (!isControl(frame.opcode)) {
        this.#violation('5.5.1', `a ${opcodeName(frame.opcode)} frame after its close frame`);
      }
      return;
    }
    const broken = brokenFrameRule(frame, this.#peer) ?? this.#brokenSequenceRule(frame);
    if (broken) {
      this.#violation(broken.section, broken.text);
      return;
    }
    const { opcode, payload } = frame;
    switch (opcode) {
      case Opcode.Text:
      case Opcode.Binary:
        this.#message = { type: opcode === Opcode.Text ? 'text' : 'binary', parts: [], length: 0 };
        this.#addFragment(frame);
        return;
      case Opcode.Continuation:
        this.#addFragment(frame);
        return;
      case Opcode.Ping:
        // Any client answers a ping with a pong carrying the same bytes (§5.5.2).
        if (!this.#closeSent) {
          const pong = this.#logFrame(this.#build({ opcode: Opcode.Pong, payload }));
          if (this.#midFrame) this.#pongs.push(pong.bytes);
          else void this.#write(pong.bytes);
        }
        return;
      case Opcode.Pong:
        this.#push({ kind: 'pong', data: payload });
        return;
      case Opcode.Close:
        this.#onClose(payload);
        return;
    }
  }

  /** §5.4: a continuation needs a message started; a new message needs the last one ended. */
  #brokenSequenceRule(frame: FrameInfo): Rule | undefined {
    if (frame.opcode === Opcode.Continuation && !this.#message) {
      return { section: '5.4', text: 'a continuation frame with no message started' };
    }
    if ((frame.opcode === Opcode.Text || frame.opcode === Opcode.Binary) && this.#message) {
      return {
        section: '5.4',
        text: `a new ${opcodeName(frame.opcode)} frame inside a fragmented message`,
      };
    }
    return undefined;
  }

  #addFragment(frame: FrameInfo): void {
    const at = performance.now();
    const message = this.#message!;
    message.parts.push(frame.payload);
    message.length += frame.payload.length;
    if (message.length > MAX_INCOMING) {
      this.#violation('5.4', `a message of more than ${MAX_INCOMING} bytes, more than was sent`);
      return;
    }
    if (!frame.fin) return;
    this.#message = undefined;
    const data = Buffer.concat(message.parts, message.length);
    const bad = message.type === 'text' ? firstInvalidUtf8(data) : -1;
    if (bad !== -1) {
      const where = `at byte ${bad}: ${hex(data.subarray(bad, bad + 4))}`;
      this.#violation('8.1', `a text message that is not valid UTF-8 (${where})`);
      return;
    }
    if (this.#greetingLeft > 0) {
      this.#greetingLeft--;
      this.#note({ direction: 'tcp', summary: '(that message is the greeting: not an echo)' });
      return;
    }
    this.#push({ kind: 'message', type: message.type, data, frames: message.parts.length, at });
  }

  #onClose(payload: Buffer): void {
    const broken = brokenClosePayload(payload);
    if (broken) {
      this.#violation(broken.section, broken.text);
      return;
    }
    const code = payload.length >= 2 ? payload.readUInt16BE(0) : undefined;
    this.#closeReceived = true;
    this.#closeCode = code;
    this.#push({ kind: 'close', code, reason: payload.subarray(2).toString('utf8') });
  }

  #violation(section: string, text: string): void {
    this.#phase = 'stopped';
    this.#push({ kind: 'violation', section, text });
  }

  #ignore(bytes: number): void {
    this.#ignoredBytes += bytes;
    this.#note({
      direction: 'in',
      summary: `${bytes} more bytes, not read (${this.#ignoredBytes} in all since the checker stopped reading)`,
      bytes,
    });
  }
}
