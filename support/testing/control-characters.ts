/**
 * The control characters in `text`, each as its code (`U+001B`), for tests that check what
 * reaches a terminal: C0 (U+0000-U+001F), DEL (U+007F) and C1 (U+0080-U+009F), the characters
 * `oneLine` escapes. `allowNewlines` leaves out the newline that ends each line of a program's
 * output. An empty list: nothing in `text` can move a cursor or start an escape sequence.
 */
export function controlCharactersIn(text: string, allowNewlines = false): string[] {
  const found: string[] = [];
  for (const character of text) {
    const code = character.codePointAt(0) ?? 0;
    if (allowNewlines && character === '\n') continue;
    if (code < 0x20 || (code >= 0x7f && code <= 0x9f)) {
      found.push(`U+${code.toString(16).toUpperCase().padStart(4, '0')}`);
    }
  }
  return found;
}
