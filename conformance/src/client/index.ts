import type { Family } from '../mode.ts';
import { closingCases } from './closing.ts';
import type { ClientContext } from './context.ts';
import { controlCases } from './control.ts';
import { fragmentationCases } from './fragmentation.ts';
import { framingCases } from './framing.ts';
import { handshakeCases } from './handshake.ts';
import { utf8Cases } from './utf8.ts';

/** The client cases, family by family, in the order a connection meets them. */
export const CLIENT_FAMILIES: Family<ClientContext>[] = [
  { name: 'Opening handshake', cases: handshakeCases },
  { name: 'Framing', cases: framingCases },
  { name: 'Control frames', cases: controlCases },
  { name: 'Fragmentation', cases: fragmentationCases },
  { name: 'UTF-8', cases: utf8Cases },
  { name: 'Closing', cases: closingCases },
];
