/**
 * The project's clients, checked in client mode: native-client keeps every rule and its contract
 * (0 FAILED, nothing but OK and INFORMATIONAL); the `ws` client exercise keeps every rule too,
 * but it says hello on a timer rather than sending the lines of its input, and never reads its
 * input at all: the cases that need it to are UNIMPLEMENTED, and nothing is FAILED.
 */
import { describe, expect, it } from 'vitest';
import { check, LOADED, tsxCommand, withVerdict } from './support/check.ts';

/** A whole client run: every case starts a program. */
const WHOLE_RUN = 240_000;

describe('native-client', () => {
  it(
    'breaks no MUST and keeps its contract: 0 FAILED, 0 NON-STRICT',
    async () => {
      const client = tsxCommand('exercises/part2/12-websocket-native-client/src/main.ts');
      const { status, report } = await check(['--client', client, '--timeout', LOADED]);
      expect(withVerdict(report, 'FAILED')).toEqual([]);
      expect(withVerdict(report, 'NON-STRICT')).toEqual([]);
      expect(withVerdict(report, 'UNIMPLEMENTED')).toEqual([]);
      expect(report?.totals.cases).toBeGreaterThan(60);
      expect(status).toBe(0);
    },
    WHOLE_RUN,
  );
});

/** The cases that need a client to send the lines of its input, or to close when it ends. */
const NEEDS_INPUT = [
  '4.1 nothing sent before the 101',
  '4.1 a line typed, a message sent; the server closes with 1000, the client exits 0',
  '5.1 a line sent as a masked text message',
  '5.2 a line of 125 bytes: the 7-bit form, at its largest',
  '5.2 a line of 126 bytes: the 16-bit form, at its smallest',
  '5.2 a line of 65535 bytes: the 16-bit form, at its largest',
  '5.2 a line of 65536 bytes: the 64-bit form, at its smallest',
  "7.1.2 end of input: two messages, a close with 1000, and a wait for the server's",
  "7.1.1 the server never answers the client's close",
];

describe('the ws client exercise (12-websocket-client)', () => {
  it(
    'breaks no MUST; the cases that need its input lines are UNIMPLEMENTED: it sends "Hello at <time>" on a timer',
    async () => {
      const client = tsxCommand('exercises/part2/12-websocket-client/src/main.ts');
      const { status, stderr, report } = await check(['--client', client, '--timeout', LOADED]);
      expect(withVerdict(report, 'FAILED')).toEqual([]);
      expect(withVerdict(report, 'NON-STRICT')).toEqual([]);
      const unimplemented = (report?.cases ?? []).filter((c) => c.verdict === 'UNIMPLEMENTED');
      expect(unimplemented.map((c) => `${c.section} ${c.title}`).sort()).toEqual(
        [...NEEDS_INPUT].sort(),
      );
      expect(stderr).toMatch(/note: the client sent "Hello at [^"]+" rather than the line/);
      expect(status).toBe(0);
    },
    WHOLE_RUN,
  );
});
