import { closeCodeName } from './close-codes.ts';
import { decodeClosePayload } from './close-payload.ts';
import { ProtocolError } from './errors.ts';
import type { Frame } from './frame.ts';
import { Opcode, opcodeName } from './opcode.ts';

const PREVIEW_CHARACTERS = 40;
const PREVIEW_BYTES = 16;

/**
 * One line describing a frame, for `--trace`:
 *
 *     FIN=1 RSV=000 opcode=TEXT(0x1) MASK=1 key=37fa213d len=5 "Hello"
 *     FIN=1 RSV=000 opcode=CLOSE(0x8) MASK=0 len=2 code=1000 (Normal Closure) reason=""
 *     FIN=0 RSV=000 opcode=BINARY(0x2) MASK=0 len=70000 <00 01 02 03 04 05 06 07 ...>
 */
export function describeFrame(frame: Frame): string {
  const { fin, rsv, opcode, maskKey, payload } = frame;
  const parts = [
    `FIN=${fin ? 1 : 0}`,
    `RSV=${rsv.toString(2).padStart(3, '0')}`,
    `opcode=${opcodeName(opcode)}(0x${opcode.toString(16)})`,
    `MASK=${maskKey ? 1 : 0}`,
  ];
  if (maskKey) parts.push(`key=${maskKey.toString('hex')}`);
  parts.push(`len=${payload.length}`);
  if (payload.length > 0 || opcode === Opcode.Text) parts.push(previewPayload(opcode, payload));
  return parts.join(' ');
}

function previewPayload(opcode: number, payload: Buffer): string {
  if (opcode === Opcode.Close) {
    const close = decodeClosePayload(payload);
    if (close instanceof ProtocolError) return `(invalid close payload: ${close.message})`;
    return `code=${close.code} (${closeCodeName(close.code)}) reason=${JSON.stringify(close.reason)}`;
  }
  if (opcode === Opcode.Text) return previewText(payload.toString('utf8'));
  return `<${previewBytes(payload)}>`;
}

/** The first 16 bytes in hex, then "..." if there are more: `01 02 03 ...`. */
export function previewBytes(bytes: Buffer): string {
  const shown = [...bytes.subarray(0, PREVIEW_BYTES)].map((b) => b.toString(16).padStart(2, '0'));
  return `${shown.join(' ')}${bytes.length > PREVIEW_BYTES ? ' ...' : ''}`;
}

/** A text on one line, quoted, cut after a few dozen characters: for logs. */
export function previewText(text: string, characters = PREVIEW_CHARACTERS): string {
  // Cut by code points, not UTF-16 units, so an emoji is never split in half. The "..." goes
  // after the closing quote only when the text was cut; a text's own "..." stays inside.
  const codePoints = [...text.slice(0, characters * 2)];
  if (codePoints.length <= characters && text.length <= characters * 2) return JSON.stringify(text);
  return `${JSON.stringify(codePoints.slice(0, characters).join(''))}...`;
}
