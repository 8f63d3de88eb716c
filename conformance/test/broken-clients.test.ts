/**
 * Clients that each break one rule, and the reference client they come from, which breaks none.
 * Client mode must find each mistake, in the section that states the rule, and blame the
 * reference client for nothing.
 */
import { describe, expect, it } from 'vitest';
import { check, expectCaught, LOADED, tsxCommand, withVerdict } from './support/check.ts';
import { CLIENT_BREAKS, type ClientBreak } from './support/client-breaks.ts';

const reference = (...args: string[]) =>
  tsxCommand('conformance/test/support/reference-client.ts', ...args);

it('the reference client breaks no MUST of any case', async () => {
  const { status, report } = await check(['--client', reference(), '--timeout', LOADED]);
  expect(withVerdict(report, 'FAILED')).toEqual([]);
  expect(withVerdict(report, 'NON-STRICT')).toEqual([]);
  expect(status).toBe(0);
}, 240_000);

const CAUGHT: { broken: ClientBreak; cases: string; section: string; says: RegExp }[] = [
  { broken: 'fixed-key', cases: '4.1/8', section: '4.1', says: /the same key twice/ },
  { broken: 'no-port-in-host', cases: '4.1/3', section: '4.1', says: /the port is left out/ },
  { broken: 'send-before-101', cases: '4.1/9', section: '4.1', says: /bytes before the 101/ },
  {
    broken: 'accept-any-accept',
    cases: '4.1/12',
    section: '4.1',
    says: /it took the connection: it answered a ping/,
  },
  {
    broken: 'accept-any-status',
    cases: '4.1/21',
    section: '4.1',
    says: /it took the connection/,
  },
  { broken: 'unmasked', cases: '5.1/1', section: '5.1', says: /an unmasked frame/ },
  { broken: 'fixed-mask', cases: '5.3', section: '5.3', says: /16 frames, 1 different keys/ },
  {
    broken: 'long-length-form',
    cases: '5.2/2',
    section: '5.2',
    says: /the length 126 written in 8 bytes, not the shortest form/,
  },
  { broken: 'accept-masked', cases: '5.1/2', section: '5.1', says: /read on past the broken rule/ },
  { broken: 'ignore-rsv', cases: '5.2/5', section: '5.2', says: /read on past the broken rule/ },
  { broken: 'no-pong', cases: '5.5.2/1', section: '5.5.2', says: /the ping was not answered/ },
  {
    broken: 'orphan-continuation',
    cases: '5.4',
    section: '5.4',
    says: /read on past the broken rule/,
  },
  { broken: 'no-utf8-check', cases: '8.1/1', section: '8.1', says: /read on past the broken rule/ },
  {
    broken: 'no-close-reply',
    cases: '5.5.1/1',
    section: '5.5.1',
    says: /TCP closed with no close frame/,
  },
  {
    broken: 'echo-any-close-code',
    cases: '7.4.1/4',
    section: '7.4.1',
    says: /a close frame with 1005 .* must never be sent, which §7.4.1 forbids/,
  },
];

describe.each(CAUGHT)('a client that $broken', ({ broken, cases, section, says }) => {
  it(`is caught in §${section} (${CLIENT_BREAKS[broken]})`, async () => {
    const { status, report } = await check([
      '--client',
      reference('--break', broken),
      '--cases',
      cases,
    ]);
    expect(status).toBe(1);
    expectCaught(report, section, says);
  });
});

describe('what only the contract asks is never FAILED', () => {
  it('a client that exits with status 0 after a failure: NON-STRICT, with the line it printed', async () => {
    const { status, report } = await check([
      '--client',
      reference('--break', 'exit-0-on-error'),
      '--cases',
      '4.1/12,7.4.1/2,7.1.5',
    ]);
    expect(withVerdict(report, 'FAILED')).toEqual([]);
    expect(status).toBe(0);
    const nonStrict = withVerdict(report, 'NON-STRICT');
    expect(nonStrict).toHaveLength(3);
    for (const line of nonStrict) expect(line).toMatch(/exit status 0: ".+": a script cannot tell/);
  });

  it('a client that does not read its input: UNIMPLEMENTED where a case needs it', async () => {
    const { status, report } = await check([
      '--client',
      reference('--break', 'send-before-101'),
      '--cases',
      '4.1/11',
    ]);
    expect(withVerdict(report, 'FAILED')).toEqual([]);
    expect(withVerdict(report, 'UNIMPLEMENTED')[0]).toMatch(/not the line it was given/);
    expect(status).toBe(0);
  });
});
