import { escapeText } from '../wire/hex.ts';
import type { WireEntry } from '../wire/log.ts';

/** Entries of a wire log shown in text, at most: the first ones and the last ones. */
const SHOWN_FIRST = 24;
const SHOWN_LAST = 8;

const ARROWS = { out: '->', in: '<-', tcp: '--', process: '::' } as const;

/**
 * A case's wire log as lines of text: time, connection, direction (`->` sent by the checker,
 * `<-` received, `--` TCP, `::` the client program's input, output and exit), what it was, and
 * its bytes in hex under it.
 */
export function describeWire(entries: WireEntry[]): string[] {
  const shown =
    entries.length <= SHOWN_FIRST + SHOWN_LAST
      ? entries
      : [...entries.slice(0, SHOWN_FIRST), undefined, ...entries.slice(-SHOWN_LAST)];
  const lines: string[] = [];
  for (const entry of shown) {
    if (!entry) {
      lines.push(`           ... ${entries.length - SHOWN_FIRST - SHOWN_LAST} more ...`);
      continue;
    }
    const time = `${entry.ms.toFixed(1)} ms`.padStart(10);
    // A line of the client program (client mode) has no connection: `::` alone.
    const who = entry.direction === 'process' ? '  ' : `#${entry.connection}`;
    lines.push(`${time} ${who} ${ARROWS[entry.direction]} ${entry.summary}`);
    // An HTTP head: its lines after the first, each escaped (a CR alone shows as \r).
    for (const line of entry.text?.split(/\r?\n/).slice(1) ?? []) {
      if (line) lines.push(`${' '.repeat(17)}${escapeText(line)}`);
    }
    if (entry.hex && !entry.text) lines.push(`${' '.repeat(17)}${entry.hex}`);
  }
  return lines;
}
