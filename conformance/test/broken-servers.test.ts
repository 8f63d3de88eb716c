/**
 * Servers that each break one rule, and the reference server they come from, which breaks none.
 * The checker must find each mistake, in the section that states the rule, and blame the
 * reference server for nothing.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { check, expectCaught, LOADED, withVerdict } from './support/check.ts';
import {
  BREAKS,
  type Break,
  type ReferenceOptions,
  type ReferenceServer,
  startReferenceServer,
} from './support/reference-server.ts';

let server: ReferenceServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** The sections of each family, for --cases. */
const FAMILY = {
  handshake: '4,9110,9112,9.1',
  framing: '5.1,5.2,5.3',
  control: '5.5.2,5.5.3,5.5',
  fragmentation: '5.4',
  utf8: '5.6,8.1',
  closing: '5.5.1,7.1,7.4',
  limits: '10.4',
};

it('the reference server breaks no MUST of any case', async () => {
  server = await startReferenceServer();
  const { status, report } = await check([server.url, '--timeout', LOADED]);
  expect(withVerdict(report, 'FAILED')).toEqual([]);
  expect(status).toBe(0);
  expect(report?.totals.cases).toBeGreaterThan(300);
});

const CAUGHT: { broken: Break; family: keyof typeof FAMILY; section: string; says: RegExp }[] = [
  {
    broken: 'accept-without-guid',
    family: 'handshake',
    section: '4.2.2',
    says: /Sec-WebSocket-Accept is .* it must be/,
  },
  { broken: 'any-version', family: 'handshake', section: '4.4', says: /accepted: 101/ },
  {
    broken: 'unmasked-ok',
    family: 'framing',
    section: '5.1',
    says: /read on past the broken rule/,
  },
  {
    broken: 'mask-own-frames',
    family: 'framing',
    section: '5.1',
    says: /a masked frame: a server never masks, which §5.1 forbids/,
  },
  { broken: 'ignore-rsv', family: 'framing', section: '5.2', says: /read on past the broken rule/ },
  { broken: 'empty-pong', family: 'control', section: '5.5.2', says: /a pong with other bytes/ },
  {
    broken: 'long-control-ok',
    family: 'control',
    section: '5.5',
    says: /read on past the broken rule/,
  },
  {
    broken: 'orphan-continuation',
    family: 'fragmentation',
    section: '5.4',
    says: /read on past the broken rule/,
  },
  {
    broken: 'no-utf8-check',
    family: 'utf8',
    section: '8.1',
    says: /text message that is not valid UTF-8/,
  },
  {
    broken: 'no-close-reply',
    family: 'closing',
    section: '5.5.1',
    says: /TCP closed with no close frame/,
  },
  {
    broken: 'echo-any-close-code',
    family: 'closing',
    section: '7.4.1',
    says: /must never be sent, which §7.4.1 forbids/,
  },
  { broken: 'truncate-large', family: 'limits', section: '10.4', says: /came back different/ },
];

describe.each(CAUGHT)('a server that $broken', ({ broken, family, section, says }) => {
  it(`is caught in §${section} (${BREAKS[broken]})`, async () => {
    server = await startReferenceServer(broken);
    const { status, report } = await check([server.url, '--cases', FAMILY[family]]);
    expect(status).toBe(1);
    expectCaught(report, section, says);
  });
});

describe('the checker as a client', () => {
  it('answers a ping that comes while its own frame is half sent only once the frame is whole', async () => {
    // Before: the pong went out at once, inside the frame sent a byte at a time, and the server
    // read it as part of that frame: the echo came back different, or a 1002 for valid input.
    server = await startReferenceServer(undefined, { pingMidFrame: true });
    const { report } = await check([server.url, '--cases', '5.2,5.4']);
    expect(withVerdict(report, 'FAILED')).toEqual([]);
  });
});

describe('choices the RFC leaves to a server are never FAILED', () => {
  it("a version refused with 400 and Sec-WebSocket-Version: 13, as §4.4's own example: OK", async () => {
    // Before: NON-STRICT, as if only 426 were right; §4.2.2 says "such as 426", and §4.4 shows 400.
    server = await startReferenceServer(undefined, { versionWith400: true });
    const { report } = await check([server.url, '--cases', '4.4']);
    expect(withVerdict(report, 'NON-STRICT')).toEqual([]);
    expect(withVerdict(report, 'FAILED')).toEqual([]);
    expect(withVerdict(report, 'OK').join('\n')).toMatch(
      /Sec-WebSocket-Version: 7: 400 Bad Request/,
    );
  });

  it.each<{
    choice: string;
    options: ReferenceOptions;
    cases: string;
    verdict: string;
    says: RegExp;
  }>([
    {
      choice: 'binary messages refused with 1003',
      options: { refuseBinary: true },
      cases: '5.2',
      verdict: 'UNIMPLEMENTED',
      says: /1003 \(Unsupported Data\): the server does not take this type/,
    },
    {
      choice: 'TCP cut on a broken rule, with no close frame',
      options: { cutOnError: true },
      cases: FAMILY.framing,
      verdict: 'NON-STRICT',
      says: /TCP (closed|reset),? with no close frame/,
    },
    {
      choice: 'bad UTF-8 found only once the message is whole',
      options: { utf8AtEnd: true },
      cases: '8.1',
      verdict: 'NON-STRICT',
      says: /1007 only once the message had ended/,
    },
    {
      choice: 'closing TCP left to the client',
      options: { leaveTcpOpen: true },
      cases: '7.1.1',
      verdict: 'INFORMATIONAL',
      says: /it leaves that to the client/,
    },
    {
      choice: 'a Host naming another machine refused with 421, on loopback',
      options: { loopbackOnly: true },
      cases: '4,9110',
      verdict: 'OK',
      says: /refused: 421 Misdirected Request/,
    },
    {
      choice: 'frames sent with the upgrade request refused by closing TCP, with no answer',
      options: { refuseEarlyData: true },
      cases: '4.1',
      verdict: 'INFORMATIONAL',
      says: /TCP closed with no HTTP response: the server refused early data/,
    },
    {
      choice: 'a message over the limit closed with 1008',
      options: { tooBigWith1008: true },
      cases: '10.4/10',
      verdict: 'OK',
      says: /1008 \(Policy Violation\)/,
    },
  ])('$choice: $verdict', async ({ options, cases, verdict, says }) => {
    server = await startReferenceServer(undefined, options);
    const { status, report } = await check([server.url, '--cases', cases]);
    expect(withVerdict(report, 'FAILED')).toEqual([]);
    expect(status).toBe(0);
    const these = (report?.cases ?? []).filter((result) => result.verdict === verdict);
    expect(
      these.some((result) => says.test(result.actual)),
      these.map((r) => r.actual).join('\n'),
    ).toBe(true);
  });
});
