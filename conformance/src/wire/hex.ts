/**
 * Bytes as a reader sees them in a report: hex pairs, cut after a limit so that a 16 MiB payload
 * does not fill the screen.
 */

/** How many bytes a wire log entry shows before it cuts. */
export const HEX_LIMIT = 64;

/** `81 05 48 65 6c 6c 6f`; past `limit` bytes, `... (+N bytes)`. */
export function hex(bytes: Uint8Array, limit = HEX_LIMIT): string {
  const shown = bytes.length > limit ? bytes.subarray(0, limit) : bytes;
  const pairs = Array.from(shown, (byte) => byte.toString(16).padStart(2, '0')).join(' ');
  return bytes.length > limit ? `${pairs} ... (+${bytes.length - limit} bytes)` : pairs;
}

/** A payload as a short quotation: printable ASCII as text, anything else as hex. */
export function preview(bytes: Uint8Array, limit = 40): string {
  const printable = bytes.every((byte) => byte >= 0x20 && byte < 0x7f);
  if (!printable) return `<${hex(bytes, Math.min(limit, 24))}>`;
  const text = Buffer.from(bytes.subarray(0, limit)).toString('latin1');
  return bytes.length > limit ? `"${text}..." (${bytes.length} bytes)` : `"${text}"`;
}

/** `16777216` -> `16 MiB`, `70000` -> `70000 bytes`: sizes as the cases name them. */
export function size(bytes: number): string {
  const MiB = 1024 * 1024;
  if (bytes >= MiB && bytes % MiB === 0) return `${bytes / MiB} MiB`;
  if (bytes >= 1024 && bytes % 1024 === 0) return `${bytes / 1024} KiB`;
  return bytes === 1 ? '1 byte' : `${bytes} bytes`;
}

/**
 * Text that came from the server, made safe for a terminal: control characters and anything
 * outside printable ASCII escaped, so that no escape sequence it sent reaches the screen.
 */
export function escapeText(text: string, limit = 200): string {
  const cut = text.length > limit ? `${text.slice(0, limit)}...` : text;
  return cut.replace(/[^\x20-\x7e]/g, (char) => {
    const code = char.charCodeAt(0);
    if (char === '\n') return '\\n';
    if (char === '\r') return '\\r';
    return code < 0x100
      ? `\\x${code.toString(16).padStart(2, '0')}`
      : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}
