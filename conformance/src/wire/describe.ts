import { describeCode } from './close-codes.ts';
import type { Happening } from './connection.ts';
import { escapeText, preview, size } from './hex.ts';

/** What a connection brought, in words - for the `actual` of a case, in either mode. */

/** `§5.2` for RFC 6455, `RFC 9110 §7.2` for the others. */
export function sectionRef(section: string): string {
  const other = /^RFC (\d+) (.+)$/.exec(section);
  return other ? `RFC ${other[1]} §${other[2]}` : `§${section}`;
}

/** A happening in words, for `actual`. */
export function describeHappening(happening: Happening): string {
  switch (happening.kind) {
    case 'response':
      return `an HTTP response, ${happening.head.status} ${escapeText(happening.head.reason)}`;
    case 'message':
      return `a ${happening.type} message of ${size(happening.data.length)}${happening.frames > 1 ? ` in ${happening.frames} frames` : ''}: ${escapeText(preview(happening.data))}`;
    case 'pong':
      return `a pong ${escapeText(preview(happening.data))}`;
    case 'close':
      return `a close frame with ${happening.code === undefined ? 'no code' : describeCode(happening.code)}${happening.reason ? ` and the reason "${escapeText(happening.reason, 80)}"` : ''}`;
    case 'closed':
      return happening.reset ? 'TCP reset, with no close frame' : 'TCP closed with no close frame';
    case 'violation':
      return `${happening.text}, which ${sectionRef(happening.section)} forbids`;
    case 'timeout':
      return `nothing within ${happening.ms / 1000} s`;
  }
}
