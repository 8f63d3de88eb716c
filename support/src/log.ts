import type { Socket } from 'node:net';
import { closeCodeName } from 'shared';

/**
 * What the servers print. `--quiet` silences the lines about connections and messages, which is
 * what a benchmark or a busy server wants; the start line and errors are always printed. Every
 * line goes through `oneLine` on its way out: much of what a server logs came from a peer (an
 * Origin, a close reason, a header line with --trace), and a peer must not be able to move the
 * terminal's cursor, repaint it or forge a line of the log. A multi-line entry (a bug's stack)
 * becomes one line with `\n` in it.
 */
export interface Log {
  /** Always printed. */
  info(line: string): void;
  /**
   * Per connection and per message; undefined with --quiet. Call it as `log.event?.(line)`: with
   * `?.` the line is not even built when it would not be printed, which matters once per message.
   */
  event: ((line: string) => void) | undefined;
}

export function createLog(options: { quiet: boolean; log: (line: string) => void }): Log {
  const print = (line: string) => options.log(oneLine(line));
  return { info: print, event: options.quiet ? undefined : print };
}

// Long messages are cut in logs: one line each, readable in a terminal.
const MAX_LOGGED_CHARACTERS = 100;

/**
 * `hello`, or `1024 bytes (binary)`, for the "Received: ..." lines of a server's log: a long text
 * is cut after 100 characters, `... (N bytes)`. A client prints messages whole: `wholeMessage`.
 */
export function describeMessage(data: Buffer, binary: boolean): string {
  if (binary) return `${data.length} bytes (binary)`;
  // Decode only the start of a big message: a character takes at most 4 bytes.
  const characters = [...data.toString('utf8', 0, (MAX_LOGGED_CHARACTERS + 1) * 4)];
  const shown = oneLine(characters.slice(0, MAX_LOGGED_CHARACTERS).join(''));
  return characters.length > MAX_LOGGED_CHARACTERS ? `${shown}... (${data.length} bytes)` : shown;
}

/**
 * A message as a terminal client prints it after "Received: ": all of it, on one line, as
 * `wscat` does. Text with its control characters escaped (`oneLine`); binary as its size and
 * every byte in hex, `3 bytes (binary): 01 ab ff`.
 */
export function wholeMessage(data: Buffer, binary: boolean): string {
  if (!binary) return oneLine(data.toString('utf8'));
  const hex = Array.from(data, (byte) => byte.toString(16).padStart(2, '0'));
  return `${data.length} bytes (binary): ${hex.join(' ')}`;
}

/**
 * A text with its control characters written as escapes, the way JSON.stringify writes them
 * (`\n`, `\t`, `\u001b`), so that one message stays one line and cannot move the terminal's
 * cursor or change its colours. Control characters are Unicode's category Cc: U+0000-U+001F,
 * U+007F (DEL) and U+0080-U+009F (U+009B alone starts an escape sequence on many terminals, as
 * ESC [ does). Everything else, accents and emoji included, stays as it is. Its output has no
 * control characters left, so escaping a line twice changes nothing: a sink can escape every
 * line it prints, even one built from parts that were escaped already.
 */
export function oneLine(text: string): string {
  let line = '';
  for (const character of text) {
    const code = character.codePointAt(0) ?? 0;
    if (code >= 0x20 && (code < 0x7f || code > 0x9f)) line += character;
    else if (code < 0x20) line += JSON.stringify(character).slice(1, -1);
    // JSON.stringify leaves DEL and U+0080-U+009F as they are: write them as \u escapes too.
    else line += `\\u${code.toString(16).padStart(4, '0')}`;
  }
  return line;
}

/**
 * `127.0.0.1:52344` or `[::1]:52344`: who, for connect and disconnect lines. A server listening
 * on IPv6 sees IPv4 clients as IPv4-mapped addresses (`::ffff:127.0.0.1`); those show as IPv4.
 */
export function describePeer(socket: Socket): string {
  const remote = socket.remoteAddress ?? 'unknown';
  const address = remote.startsWith('::ffff:') && remote.includes('.') ? remote.slice(7) : remote;
  return `${address.includes(':') ? `[${address}]` : address}:${socket.remotePort ?? '?'}`;
}

/**
 * `code 1000 (Normal Closure), reason "bye"` for disconnect lines. The reason is the peer's text,
 * quoted as JSON quotes it (`\"`, `\n`, `\u001b`), and with DEL and U+0080-U+009F escaped too,
 * which JSON.stringify leaves as they are (`oneLine`).
 */
export function describeClose(code: number, reason: string | Buffer): string {
  const text = reason.toString();
  const quoted = oneLine(JSON.stringify(text));
  return `code ${code} (${closeCodeName(code)})${text ? `, reason ${quoted}` : ''}`;
}
