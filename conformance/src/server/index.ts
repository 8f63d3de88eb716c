import type { Family } from '../mode.ts';
import type { ServerContext } from './context.ts';
import { framingCases } from './framing.ts';

/** The server cases, family by family, in the order a connection meets them. */
export const SERVER_FAMILIES: Family<ServerContext>[] = [{ name: 'Framing', cases: framingCases }];
