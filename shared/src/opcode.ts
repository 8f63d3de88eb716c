/**
 * RFC 6455 §5.2: the 4-bit opcode says how to read a frame's payload.
 * 0x3-0x7 and 0xB-0xF are reserved for future use; receiving one is a protocol error.
 */
export const Opcode = {
  /** Carries the next piece of a fragmented message (RFC 6455 §5.4). */
  Continuation: 0x0,
  /** The first frame of a text message: UTF-8 (RFC 6455 §5.6). */
  Text: 0x1,
  /** The first frame of a binary message: any bytes. */
  Binary: 0x2,
  /** Starts or answers the closing handshake (RFC 6455 §5.5.1). */
  Close: 0x8,
  /** "Are you there?" - the peer must answer with a pong (RFC 6455 §5.5.2). */
  Ping: 0x9,
  /** The answer to a ping, or an unsolicited heartbeat (RFC 6455 §5.5.3). */
  Pong: 0xa,
} as const;

export type Opcode = (typeof Opcode)[keyof typeof Opcode];

const names: Record<number, string> = {
  [Opcode.Continuation]: 'CONTINUATION',
  [Opcode.Text]: 'TEXT',
  [Opcode.Binary]: 'BINARY',
  [Opcode.Close]: 'CLOSE',
  [Opcode.Ping]: 'PING',
  [Opcode.Pong]: 'PONG',
};

/** RFC 6455 §5.5: control frames are identified by opcodes where the most significant bit is 1. */
export function isControlOpcode(opcode: number): boolean {
  return (opcode & 0x8) !== 0;
}

/** True for the six opcodes RFC 6455 defines; the others are reserved. */
export function isKnownOpcode(opcode: number): boolean {
  return names[opcode] !== undefined;
}

/** `TEXT`, `PING`, ... or `RESERVED` for an opcode RFC 6455 leaves undefined. */
export function opcodeName(opcode: number): string {
  return names[opcode] ?? 'RESERVED';
}
