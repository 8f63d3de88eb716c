import type { Family } from '../mode.ts';
import { closingCases } from './closing.ts';
import type { ServerContext } from './context.ts';
import { controlCases } from './control.ts';
import { fragmentationCases } from './fragmentation.ts';
import { framingCases } from './framing.ts';
import { handshakeCases } from './handshake.ts';
import { limitCases } from './limits.ts';
import { utf8Cases } from './utf8.ts';

/** The server cases, family by family, in the order a connection meets them. */
export const SERVER_FAMILIES: Family<ServerContext>[] = [
  { name: 'Opening handshake', cases: handshakeCases },
  { name: 'Framing', cases: framingCases },
  { name: 'Control frames', cases: controlCases },
  { name: 'Fragmentation', cases: fragmentationCases },
  { name: 'UTF-8', cases: utf8Cases },
  { name: 'Closing', cases: closingCases },
  { name: 'Limits and speed', cases: limitCases },
];
