/**
 * A command-line client on plain `ws` (test/fixtures/ws-client.ts): an independent
 * implementation of every frame rule, checked for what it gives.
 */
import { expect, it } from 'vitest';
import { check, LOADED, tsxCommand, withVerdict } from './support/check.ts';

it('plain ws: every rule kept, the contract kept; what it offers and how long it waits reported', async () => {
  const client = tsxCommand('conformance/test/fixtures/ws-client.ts');
  const { status, report } = await check(['--client', client, '--timeout', LOADED]);
  expect(withVerdict(report, 'FAILED')).toEqual([]);
  expect(withVerdict(report, 'NON-STRICT')).toEqual([]);
  expect(withVerdict(report, 'UNIMPLEMENTED')).toEqual([]);
  // ws offers permessage-deflate, which the checker declines.
  expect(withVerdict(report, 'INFORMATIONAL').join('\n')).toContain('permessage-deflate');
  expect(status).toBe(0);
}, 240_000);
