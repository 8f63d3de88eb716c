import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import {
  acceptResponse,
  applyMask,
  closeCodeName,
  decodeClosePayload,
  encodeFrameHeader,
  type Frame,
  Opcode,
  opcodeName,
  previewBytes,
  previewText,
  WEBSOCKET_GUID,
} from 'shared';
import type { Inspectors } from 'support';

/**
 * The frame inspector of the browser page: what this server saw of one connection, as the page
 * draws it. The page asks for it by naming an id in its WebSocket URL (`/ws?inspect=<id>`, the
 * channel is `Inspectors` in support); this file decides what the page is shown:
 *
 *   1. the opening handshake: the request, the 101, the accept key worked out, what was declined;
 *   2. each frame in (browser to server) and out, as the diagram of RFC 6455 §5.2: its header
 *      fields, the length form, the masking key, the first bytes masked and unmasked.
 */

/** The hook WebSocketProtocol calls with every frame read (`in`) and made (`out`). */
export type FrameHook = (frame: Frame, direction: 'in' | 'out') => void;

/** The first bytes of a payload shown in hex (as previewBytes in shared cuts them). */
const SHOWN_BYTES = 16;
/** The characters of a text shown. */
const SHOWN_CHARACTERS = 60;

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
    if (page.open) page.send(describeFrame(frame, direction));
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
  const requestLines = [`${request.method} ${request.url} HTTP/${request.httpVersion}`];
  for (let i = 0; i < request.rawHeaders.length; i += 2) {
    requestLines.push(`${request.rawHeaders[i]}: ${request.rawHeaders[i + 1]}`);
  }
  return {
    kind: 'handshake',
    request: requestLines,
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

/** 2. One frame as RFC 6455 §5.2 draws it, with the bytes as they were on the wire. */
function describeFrame(frame: Frame, direction: 'in' | 'out') {
  const { fin, rsv, opcode, maskKey, payload } = frame;
  const header = headerBytes(frame, direction);
  // The second byte's low 7 bits: the length itself (0-125), or 126 or 127 for the longer forms.
  const lengthField = header[1]! & 0x7f;
  const name = opcodeName(opcode).toLowerCase();

  // The payload as it crossed the wire: a client's is masked (§5.3). The parser unmasked it in
  // place; XOR with the same key, byte i with key byte i % 4, gives back the bytes it read.
  const shown = payload.subarray(0, SHOWN_BYTES);
  let onTheWire = shown;
  if (maskKey) {
    onTheWire = Buffer.from(shown);
    applyMask(onTheWire, maskKey);
  }
  const cut = payload.length > SHOWN_BYTES ? ' ...' : '';

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
    fields.push({ name: 'Extended payload length', bits, value: String(payload.length) });
  }
  if (maskKey) fields.push({ name: 'Masking-key', bits: 32, value: previewBytes(maskKey) });

  return {
    kind: 'frame',
    direction,
    summary: `FIN=${fin ? 1 : 0} opcode=${opcode} (${name}) MASK=${maskKey ? 1 : 0} length=${payload.length}`,
    fields,
    length: {
      value: payload.length,
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
      opcode === Opcode.Text
        ? previewText(payload.toString('utf8', 0, (SHOWN_CHARACTERS + 1) * 4), SHOWN_CHARACTERS)
        : undefined,
    close: opcode === Opcode.Close ? describeClose(payload) : undefined,
    note: noteFor(opcode, direction, cut !== ''),
  };
}

/**
 * The header's bytes. A frame the server made: what `encodeFrameHeader` wrote for it (a server
 * never masks). A frame it read: put back together from the fields the parser read - in the
 * length form the client used, which RFC 6455 §5.2 says must be the shortest, but which the
 * parser reports rather than assumes.
 */
function headerBytes(frame: Frame, direction: 'in' | 'out'): Buffer {
  if (direction === 'out')
    return encodeFrameHeader({ opcode: frame.opcode, payload: frame.payload });
  const { fin, rsv, opcode, maskKey, payload } = frame;
  const extended = frame.extendedLengthBytes ?? 0;
  const header = Buffer.alloc(2 + extended + (maskKey ? 4 : 0));
  header[0] = (fin ? 0x80 : 0) | (rsv << 4) | opcode;
  header[1] = (maskKey ? 0x80 : 0) | (extended === 0 ? payload.length : extended === 2 ? 126 : 127);
  if (extended === 2) header.writeUInt16BE(payload.length, 2);
  if (extended === 8) header.writeBigUInt64BE(BigInt(payload.length), 2);
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
