import { type FrameInfo, opcodeName } from './frame.ts';
import { hex } from './hex.ts';

/**
 * The wire log of one case: what the checker sent, what came back, and what happened to TCP, in
 * order, with the bytes in hex. It is what a report shows for a case, in the console for a
 * failure and in the HTML report for every case.
 */
export interface WireEntry {
  /** Milliseconds since the case started. */
  ms: number;
  /** Which connection of the case: 1, 2... */
  connection: number;
  /**
   * `out`: sent by the checker; `in`: sent by the peer; `tcp`: the connection itself; `process`:
   * the client under test as a program (client mode) - a line written to its input, a line it
   * printed, its exit.
   */
  direction: 'out' | 'in' | 'tcp' | 'process';
  /** One line: `text FIN=1 RSV=000 MASK=1 len=5 "Hello"`, `GET /ws HTTP/1.1`, `TCP closed`. */
  summary: string;
  /** An HTTP head, as it went (latin1, not escaped: escape it to show it). */
  text?: string;
  /** The bytes, cut after HEX_LIMIT. */
  hex?: string;
  /** How many bytes in all. */
  bytes?: number;
  /** The frame's fields, for a report that draws them. */
  frame?: LoggedFrame;
}

/** A frame as the log keeps it: fields, key and payload in hex (the payload cut). */
export interface LoggedFrame {
  fin: boolean;
  rsv: number;
  opcode: number;
  opcodeName: string;
  masked: boolean;
  maskKey?: string;
  length: string;
  lengthBytes: number;
  /** The payload, unmasked, in hex (cut). */
  payload: string;
}

/** Entries kept from the start of a case, and from its end; the middle is counted, not kept. */
const HEAD_ENTRIES = 150;
const TAIL_ENTRIES = 50;

export class WireLog {
  readonly #start = performance.now();
  readonly #head: WireEntry[] = [];
  #tail: WireEntry[] = [];
  #omitted = 0;

  add(entry: Omit<WireEntry, 'ms'>): void {
    const full = { ms: Math.round((performance.now() - this.#start) * 10) / 10, ...entry };
    if (this.#head.length < HEAD_ENTRIES) {
      this.#head.push(full);
      return;
    }
    this.#tail.push(full);
    if (this.#tail.length > TAIL_ENTRIES) {
      this.#tail.shift();
      this.#omitted++;
    }
  }

  /** Milliseconds since the case started. */
  get elapsed(): number {
    return performance.now() - this.#start;
  }

  /** Every entry kept, with a note where some were left out. */
  entries(): WireEntry[] {
    if (this.#omitted === 0) return [...this.#head, ...this.#tail];
    const gap: WireEntry = {
      ms: this.#tail[0]?.ms ?? 0,
      connection: 0,
      direction: 'tcp',
      summary: `(${this.#omitted} more entries not kept)`,
    };
    return [...this.#head, gap, ...this.#tail];
  }
}

export function logFrame(frame: FrameInfo): LoggedFrame {
  return {
    fin: frame.fin,
    rsv: frame.rsv,
    opcode: frame.opcode,
    opcodeName: opcodeName(frame.opcode),
    masked: frame.masked,
    ...(frame.maskKey ? { maskKey: hex(frame.maskKey) } : {}),
    length: String(frame.length),
    lengthBytes: frame.lengthBytes,
    payload: hex(frame.payload),
  };
}
