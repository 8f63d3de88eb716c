import * as ws from 'ws';

// ws's Receiver and Sender are exported (see ws/wrapper.mjs) but @types/ws does not describe
// them: these are the parts the differential tests and the framing benchmark use, as
// lib/receiver.js and lib/sender.js define them.

export interface WsReceiverOptions {
  /** A server's receiver requires masked frames; a client's requires unmasked ones. */
  isServer?: boolean;
  maxPayload?: number;
  skipUTF8Validation?: boolean;
}

export interface WsReceiver {
  /** A Writable stream: each chunk written is parsed at once, and events fire during write(). */
  write(chunk: Buffer): boolean;
  on(event: 'message', listener: (data: Buffer, isBinary: boolean) => void): this;
  on(event: 'ping' | 'pong', listener: (data: Buffer) => void): this;
  on(event: 'conclude', listener: (code: number, reason: Buffer) => void): this;
  on(event: 'error', listener: (error: Error) => void): this;
}

export interface WsFrameOptions {
  opcode: number;
  fin: boolean;
  mask: boolean;
  /** Do not mask `data` in place: write the masked bytes into a new buffer. */
  readOnly: boolean;
  /** Writes the masking key into `mask`; random when absent. */
  generateMask?: (mask: Buffer) => void;
}

interface WsInternals {
  Receiver: new (options?: WsReceiverOptions) => WsReceiver;
  /** Returns the frame as a list of buffers: the header, then the payload unless it was merged. */
  Sender: { frame(data: Buffer, options: WsFrameOptions): Buffer[] };
}

export const { Receiver, Sender } = ws as unknown as WsInternals;
