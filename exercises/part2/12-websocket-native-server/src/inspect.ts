import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import {
  acceptResponse,
  applyMask,
  closeCodeName,
  decodeClosePayload,
  type Frame,
  Opcode,
  opcodeName,
  previewBytes,
  previewText,
  WEBSOCKET_GUID,
} from 'shared';
import { type HeldEntry, type Inspectors, requestLines } from 'support';

/**
 * The frame inspector of the browser page: what this server saw of one connection, as the page
 * draws it. The page asks for it by naming an id in its WebSocket URL (`/ws?inspect=<id>`, the
 * channel is `Inspectors` in support); this file decides what the page is shown:
 *
 *   1. the opening handshake: the request, the 101, the accept key worked out, what was declined;
 *   2. each frame in (browser to server) and out, as the diagram of RFC 6455 §5.2: its header
 *      fields, the length form, the masking key, the first bytes masked and unmasked.
 *
 * A frame is described when the page takes it, not when it passes: then only what the page will
 * be shown is copied (FrameSnapshot), which costs next to nothing. A page that falls behind gets
 * a count of the frames it missed instead of a description of each (`Inspectors` in support), so
 * an inspected connection costs the server about what any other does.
 */

/** The hook WebSocketProtocol calls with every frame read (`in`) and made (`out`). */
export type FrameHook = (frame: Frame, direction: 'in' | 'out') => void;

/** The first bytes of a payload shown in hex (as previewBytes in shared cuts them). */
const SHOWN_BYTES = 16;
/** The characters of a text shown... */
const SHOWN_CHARACTERS = 60;
/**
 * ...decoded from at most this many bytes: a character takes up to 4 in UTF-8, and one character
 * more tells that the text goes on.
 */
const TEXT_BYTES = (SHOWN_CHARACTERS + 1) * 4;
/**
 * What a snapshot holds besides the bytes it copied: the object, and two buffers with memory of
 * their own (measured: 100,000 snapshots of empty frames took about 750 bytes each).
 */
const SNAPSHOT_BYTES = 768;

/** --trace's hook and the inspector's, as one: undefined when neither is on. */
export function bothHooks(
  trace: FrameHook | undefined,
  inspect: FrameHook | undefined,
): FrameHook | undefined {
  if (trace === undefined || inspect === undefined) return trace ?? inspect;
  return (frame, direction) => {
    trace(frame, direction);
    inspect(frame, direction);
  };
}

/**
 * Starts inspecting a connection that has just been upgraded, if a page asked for it: sends the
 * handshake, and returns the hook for its frames. Undefined when no page watches this
 * connection - then there is no hook at all, and the connection does no work for the inspector.
 */
export function inspectConnection(
  inspectors: Inspectors,
  request: IncomingMessage,
  socket: Socket,
): FrameHook | undefined {
  const page = inspectors.attach(request);
  if (page === undefined) return undefined;
  page.send(describeHandshake(request));
  socket.once('close', () => page.end('the connection is closed'));
  return (frame, direction) => {
    // A copy of what the page shows, described once the page takes it; or, for a page that is
    // behind, one more frame in the count of those it missed.
    if (page.hasRoom) page.hold(new FrameSnapshot(frame, direction));
    else page.skip();
  };
}

/** 1. The opening handshake, as the server read it and answered it (RFC 6455 §4.2). */
function describeHandshake(request: IncomingMessage) {
  const key = String(request.headers['sec-websocket-key']);
  // RFC 6455 §4.2.2: Sec-WebSocket-Accept is base64(SHA-1(key + GUID)) - acceptKey in shared,
  // done here in its three steps to show each one; the 101 below carries acceptKey's own answer.
  const digest = createHash('sha1')
    .update(key + WEBSOCKET_GUID)
    .digest();
  return {
    kind: 'handshake',
    // Every header as the browser sent it, but its credentials: Cookie, Authorization and
    // Proxy-Authorization are shown as hidden (requestLines in support).
    request: requestLines(request),
    response: acceptResponse(key).trimEnd().split('\r\n'),
    accept: {
      key,
      guid: WEBSOCKET_GUID,
      sha1: digest.toString('hex').replace(/(..)(?!$)/g, '$1 '),
      base64: digest.toString('base64'),
    },
    declined: declinedHeaders(request),
  };
}

/**
 * What the browser offered and this server does not take. Declining is saying nothing: the 101
 * leaves the header out (RFC 6455 §4.2.2), and the browser goes on without it.
 */
function declinedHeaders(request: IncomingMessage) {
  const declined: { header: string; value: string; why: string }[] = [];
  const extensions = request.headers['sec-websocket-extensions'];
  if (extensions !== undefined) {
    declined.push({
      header: 'Sec-WebSocket-Extensions',
      value: extensions,
      why:
        'this server implements no extension, so its 101 has no Sec-WebSocket-Extensions and ' +
        'none is in use (RFC 6455 §9.1): frames are not compressed, and RSV1 stays 0',
    });
  }
  const protocols = request.headers['sec-websocket-protocol'];
  if (protocols !== undefined) {
    declined.push({
      header: 'Sec-WebSocket-Protocol',
      value: protocols,
      why:
        'this server speaks no subprotocol, so its 101 names none (RFC 6455 §4.2.2): the ' +
        'browser sees an empty WebSocket.protocol',
    });
  }
  return declined;
}

/**
 * 2. What the page is shown of a frame, copied as the frame passes: its header fields and the
 * first bytes of its payload (16 for the hex, enough for 60 characters of text, a close frame's
 * code and reason). Copied, because the payload is a view of the bytes just read, which must not
 * be held; the first bytes only, because that is all the page shows. `describe` draws it.
 */
class FrameSnapshot implements HeldEntry {
  readonly direction: 'in' | 'out';
  readonly fin: boolean;
  readonly rsv: number;
  readonly opcode: number;
  readonly maskKey: Buffer | undefined;
  readonly extendedLengthBytes: number | undefined;
  /** The payload's length, and its first bytes. */
  readonly length: number;
  readonly start: Buffer;

  constructor(frame: Frame, direction: 'in' | 'out') {
    const { opcode, payload } = frame;
    this.direction = direction;
    this.fin = frame.fin;
    this.rsv = frame.rsv;
    this.opcode = opcode;
    this.maskKey = frame.maskKey && copyOf(frame.maskKey);
    this.extendedLengthBytes = frame.extendedLengthBytes;
    this.length = payload.length;
    const kept =
      opcode === Opcode.Text ? TEXT_BYTES : opcode === Opcode.Close ? payload.length : SHOWN_BYTES;
    this.start = copyOf(payload.subarray(0, kept));
  }

  /** What holding it costs, for the inspector's bound (MAX_HELD_BYTES in support). */
  get size(): number {
    return SNAPSHOT_BYTES + this.start.length;
  }

  describe() {
    return describeFrame(this);
  }
}

/** A copy in memory of its own: a view, or a slice of Node's shared pool, would hold far more. */
function copyOf(bytes: Buffer): Buffer {
  const copy = Buffer.allocUnsafeSlow(bytes.length);
  bytes.copy(copy);
  return copy;
}

/** One frame as RFC 6455 §5.2 draws it, with the bytes as they were on the wire. */
function describeFrame(frame: FrameSnapshot) {
  const { fin, rsv, opcode, maskKey, length, start, direction } = frame;
  const header = headerBytes(frame);
  // The second byte's low 7 bits: the length itself (0-125), or 126 or 127 for the longer forms.
  const lengthField = header[1]! & 0x7f;
  const name = opcodeName(opcode).toLowerCase();

  // The payload as it crossed the wire: a client's is masked (§5.3). The parser unmasked it in
  // place; XOR with the same key, byte i with key byte i % 4, gives back the bytes it read.
  const shown = start.subarray(0, SHOWN_BYTES);
  let onTheWire = shown;
  if (maskKey) {
    onTheWire = Buffer.from(shown);
    applyMask(onTheWire, maskKey);
  }
  const cut = length > SHOWN_BYTES ? ' ...' : '';

  const fields = [
    { name: 'FIN', bits: 1, value: fin ? '1' : '0' },
    { name: 'RSV1', bits: 1, value: String((rsv >> 2) & 1) },
    { name: 'RSV2', bits: 1, value: String((rsv >> 1) & 1) },
    { name: 'RSV3', bits: 1, value: String(rsv & 1) },
    { name: 'opcode', bits: 4, value: `${opcode} (${name})` },
    { name: 'MASK', bits: 1, value: maskKey ? '1' : '0' },
    { name: 'Payload len', bits: 7, value: String(lengthField) },
  ];
  if (lengthField >= 126) {
    const bits = lengthField === 126 ? 16 : 64;
    fields.push({ name: 'Extended payload length', bits, value: String(length) });
  }
  if (maskKey) fields.push({ name: 'Masking-key', bits: 32, value: previewBytes(maskKey) });

  return {
    kind: 'frame',
    direction,
    summary: `FIN=${fin ? 1 : 0} opcode=${opcode} (${name}) MASK=${maskKey ? 1 : 0} length=${length}`,
    fields,
    length: {
      value: length,
      form:
        lengthField < 126
          ? '7-bit: in the Payload len field'
          : lengthField === 126
            ? '16-bit: Payload len says 126, the next 2 bytes hold it'
            : '64-bit: Payload len says 127, the next 8 bytes hold it',
    },
    maskKey: maskKey && previewBytes(maskKey),
    wire: `${previewBytes(header)}${shown.length > 0 ? ` ${previewBytes(onTheWire)}${cut}` : ''}`,
    masked: maskKey && `${previewBytes(onTheWire)}${cut}`,
    unmasked: shown.length > 0 ? `${previewBytes(shown)}${cut}` : '',
    text:
      opcode === Opcode.Text ? previewText(start.toString('utf8'), SHOWN_CHARACTERS) : undefined,
    close: opcode === Opcode.Close ? describeClose(start) : undefined,
    note: noteFor(opcode, direction, cut !== ''),
  };
}

/**
 * The header's bytes, put back together from the fields: in the length form the frame used. A
 * frame the server made uses the shortest, as RFC 6455 §5.2 asks; for a frame it read, the
 * parser reports the form the client used rather than assume it.
 */
function headerBytes(frame: FrameSnapshot): Buffer {
  const { fin, rsv, opcode, maskKey, length } = frame;
  const extended = frame.extendedLengthBytes ?? (length < 126 ? 0 : length <= 0xffff ? 2 : 8);
  const header = Buffer.alloc(2 + extended + (maskKey ? 4 : 0));
  header[0] = (fin ? 0x80 : 0) | (rsv << 4) | opcode;
  header[1] = (maskKey ? 0x80 : 0) | (extended === 0 ? length : extended === 2 ? 126 : 127);
  if (extended === 2) header.writeUInt16BE(length, 2);
  if (extended === 8) header.writeBigUInt64BE(BigInt(length), 2);
  maskKey?.copy(header, 2 + extended);
  return header;
}

/** A close frame's code, its name and the reason (RFC 6455 §5.5.1, §7.4). */
function describeClose(payload: Buffer) {
  const close = decodeClosePayload(payload);
  if (close instanceof Error) return { code: null, name: `invalid: ${close.message}`, reason: '' };
  return { code: close.code, name: closeCodeName(close.code), reason: close.reason };
}

/** What to notice about a frame, when there is something the fields do not say. */
function noteFor(opcode: number, direction: 'in' | 'out', cut: boolean): string | undefined {
  if (opcode === Opcode.Ping && direction === 'out') {
    return 'the heartbeat: the server pings every HEARTBEAT_INTERVAL, and the browser must answer';
  }
  if (opcode === Opcode.Pong && direction === 'in') {
    return 'the browser answers the ping by itself, with the same payload (RFC 6455 §5.5.2)';
  }
  if (cut) return `only the first ${SHOWN_BYTES} bytes of the payload are shown`;
  return undefined;
}
