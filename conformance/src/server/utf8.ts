import { LESSON } from '../lesson.ts';
import { type CaseSpec, type Judgement, judge } from '../verdict.ts';
import type { Connection, Happening } from '../wire/connection.ts';
import { type FrameSpec, Opcode } from '../wire/frame.ts';
import { BYTE_BY_BYTE, type Chunking, WHOLE } from '../wire/pieces.ts';
import type { ServerContext } from './context.ts';
import { breaks } from './framing.ts';
import { expectEcho, expectFailure, PROBE } from './judge.ts';
import { bytes, textPayload } from './payloads.ts';

type Spec = CaseSpec<ServerContext>;

// --- §5.6: every valid UTF-8 text comes back ---

const VALID_RULE =
  'A text message is UTF-8 (§5.6), all of it: every code point from U+0000 to U+10FFFF but the surrogates, in its shortest form. Valid text is never refused.';

const VALID: { name: string; hex: string }[] = [
  { name: 'ASCII, "Hello"', hex: '48 65 6c 6c 6f' },
  { name: 'U+0000, a zero byte', hex: '00' },
  { name: 'U+007F, the last 1-byte character', hex: '7f' },
  { name: 'U+0080, the first 2-byte character', hex: 'c2 80' },
  { name: 'U+07FF, the last 2-byte character', hex: 'df bf' },
  { name: 'U+0800, the first 3-byte character', hex: 'e0 a0 80' },
  { name: 'U+D7FF, just below the surrogates', hex: 'ed 9f bf' },
  { name: 'U+E000, just above the surrogates', hex: 'ee 80 80' },
  { name: 'U+FEFF, a byte order mark', hex: 'ef bb bf' },
  { name: 'U+FFFD, the replacement character', hex: 'ef bf bd' },
  { name: 'U+FFFF, a noncharacter, still valid UTF-8', hex: 'ef bf bf' },
  { name: 'U+10000, the first 4-byte character', hex: 'f0 90 80 80' },
  { name: 'U+10FFFF, the last code point', hex: 'f4 8f bf bf' },
  { name: 'Greek "κόσμε"', hex: 'ce ba e1 bd b9 cf 83 ce bc ce b5' },
  { name: '1- to 4-byte characters mixed, "aé€𝄞"', hex: '61 c3 a9 e2 82 ac f0 9d 84 9e' },
];

function validCase(name: string, data: Buffer, how: 'whole' | 'fragments' | Chunking): Spec {
  const title =
    how === 'whole'
      ? `valid text: ${name}`
      : how === 'fragments'
        ? `valid text: ${name}, one fragment per byte`
        : `valid text: ${name}, ${how.name}`;
  return {
    section: '5.6',
    title,
    rule: VALID_RULE,
    lesson: LESSON.utf8,
    run: async (context) => {
      const connection = await context.open();
      const frames: FrameSpec[] =
        how === 'fragments'
          ? Array.from(data, (byte, i) => ({
              opcode: i === 0 ? Opcode.Text : Opcode.Continuation,
              payload: Buffer.from([byte]),
              fin: i === data.length - 1,
            }))
          : [{ opcode: Opcode.Text, payload: data }];
      await connection.send(frames, typeof how === 'object' ? how : WHOLE);
      return expectEcho(context, connection, 'text', data);
    },
  };
}

/** A character split between two fragments is not an error: it is whole once both have come. */
function splitCase(name: string, data: Buffer, at: number): Spec {
  return {
    section: '5.6',
    title: `${name} split between two fragments after its byte ${at}`,
    rule: `${VALID_RULE} A character may be cut between fragments; only the whole message must be valid.`,
    lesson: LESSON.utf8,
    run: async (context) => {
      const connection = await context.open();
      await connection.send([
        { opcode: Opcode.Text, payload: data.subarray(0, at), fin: false },
        { opcode: Opcode.Continuation, payload: data.subarray(at) },
      ]);
      return expectEcho(context, connection, 'text', data);
    },
  };
}

const validCases: Spec[] = [
  ...VALID.map(({ name, hex }) => validCase(name, bytes(hex), 'whole')),
  ...VALID.map(({ name, hex }) => validCase(name, bytes(hex), 'fragments')),
  validCase('Greek "κόσμε"', bytes('ce ba e1 bd b9 cf 83 ce bc ce b5'), BYTE_BY_BYTE),
  validCase('"€" 200 times (600 bytes, 16-bit length)', Buffer.from('€'.repeat(200)), WHOLE),
  validCase('"𝄞" 20000 times (80000 bytes, 64-bit length)', Buffer.from('𝄞'.repeat(20000)), WHOLE),
  ...[1, 2, 3].map((at) => splitCase('"𝄞" (f0 9d 84 9e)', bytes('f0 9d 84 9e'), at)),
  ...[1, 2].map((at) => splitCase('"€" (e2 82 ac)', bytes('e2 82 ac'), at)),
];

// --- §8.1: invalid UTF-8 fails the connection with 1007 ---

const INVALID_RULE =
  '"When an endpoint is to interpret a byte stream as UTF-8 but finds that the byte stream is not, in fact, a valid UTF-8 stream, that endpoint MUST _Fail the WebSocket Connection_" (§8.1), with 1007 (§7.4.1).';

const INVALID: { name: string; hex: string }[] = [
  { name: 'a lone continuation byte 80', hex: '80' },
  { name: 'a lone continuation byte bf', hex: 'bf' },
  { name: 'continuation bytes with no lead byte', hex: '80 bf 80 bf' },
  { name: 'the byte fe, never in UTF-8', hex: 'fe' },
  { name: 'the byte ff, never in UTF-8', hex: 'ff' },
  { name: 'fe fe ff ff, a UTF-16 byte order mark doubled', hex: 'fe fe ff ff' },
  { name: 'overlong U+0000 in 2 bytes (c0 80)', hex: 'c0 80' },
  { name: 'overlong "/" in 2 bytes (c0 af)', hex: 'c0 af' },
  { name: 'overlong U+007F in 2 bytes (c1 bf)', hex: 'c1 bf' },
  { name: 'overlong "/" in 3 bytes (e0 80 af)', hex: 'e0 80 af' },
  { name: 'overlong U+07FF in 3 bytes (e0 9f bf)', hex: 'e0 9f bf' },
  { name: 'overlong "/" in 4 bytes (f0 80 80 af)', hex: 'f0 80 80 af' },
  { name: 'overlong U+FFFF in 4 bytes (f0 8f bf bf)', hex: 'f0 8f bf bf' },
  { name: 'a 5-byte sequence (f8 88 80 80 80)', hex: 'f8 88 80 80 80' },
  { name: 'a 6-byte sequence (fc 84 80 80 80 80)', hex: 'fc 84 80 80 80 80' },
  { name: 'the surrogate U+D800 (ed a0 80)', hex: 'ed a0 80' },
  { name: 'the surrogate U+DB7F (ed ad bf)', hex: 'ed ad bf' },
  { name: 'the surrogate U+DBFF (ed af bf)', hex: 'ed af bf' },
  { name: 'the surrogate U+DC00 (ed b0 80)', hex: 'ed b0 80' },
  { name: 'the surrogate U+DFFF (ed bf bf)', hex: 'ed bf bf' },
  { name: 'a surrogate pair written as two 3-byte forms (CESU-8)', hex: 'ed a0 80 ed b0 80' },
  { name: 'U+110000, above the last code point (f4 90 80 80)', hex: 'f4 90 80 80' },
  { name: 'the lead byte f5, above U+10FFFF', hex: 'f5 80 80 80' },
  { name: 'the lead byte f7 (f7 bf bf bf)', hex: 'f7 bf bf bf' },
  { name: 'a 2-byte character cut short at the end (c2)', hex: '61 62 63 c2' },
  { name: 'a 3-byte character cut short at the end (e0 a0)', hex: '61 62 63 e0 a0' },
  { name: 'a 4-byte character cut short at the end (f0 90 80)', hex: '61 62 63 f0 90 80' },
  { name: 'a lead byte followed by ASCII (c2 41)', hex: 'c2 41' },
  { name: 'a 3-byte lead and one continuation, then ASCII (e1 80 41)', hex: 'e1 80 41' },
  { name: 'valid text with ff in the middle', hex: '48 65 6c 6c 6f ff 77 6f 72 6c 64' },
  {
    name: '"κόσμε" with a surrogate in the middle',
    hex: 'ce ba e1 bd b9 ed a0 80 cf 83 ce bc ce b5',
  },
];

const invalidCases: Spec[] = INVALID.map(({ name, hex }) =>
  breaks(
    { section: '8.1', title: `invalid text: ${name}`, rule: INVALID_RULE, lesson: LESSON.utf8 },
    [{ opcode: Opcode.Text, payload: bytes(hex) }],
    [1007],
  ),
);

/** The same invalid sequences, one byte per fragment: a checker that looks at whole fragments
 * alone would see nothing wrong in most of them. */
const byteFragmentInvalid: Spec[] = INVALID.map(({ name, hex }) => {
  const data = bytes(hex);
  return breaks(
    {
      section: '8.1',
      title: `invalid text, one fragment per byte: ${name}`,
      rule: INVALID_RULE,
      lesson: LESSON.utf8,
    },
    Array.from(data, (byte, i) => ({
      opcode: i === 0 ? Opcode.Text : Opcode.Continuation,
      payload: Buffer.from([byte]),
      fin: i === data.length - 1,
    })),
    [1007],
  );
});

/** Invalid text across fragments: only the fragments together show it. */
const fragmentedInvalid: Spec[] = [
  { name: 'valid first fragment, ff in the last', parts: ['48 65 6c 6c 6f', 'ff'] },
  { name: 'f4 | 90 80 80: U+110000 split between fragments', parts: ['f4', '90 80 80'] },
  { name: 'ed | a0 80: a surrogate split between fragments', parts: ['ed', 'a0 80'] },
  { name: 'e0 80 | af: an overlong form split between fragments', parts: ['e0 80', 'af'] },
  { name: 'the message ends inside a character: e2 82 | (end)', parts: ['61 e2', '82'] },
].map(({ name, parts }) =>
  breaks(
    {
      section: '8.1',
      title: `invalid text in fragments: ${name}`,
      rule: INVALID_RULE,
      lesson: LESSON.utf8,
    },
    parts.map((part, i) => ({
      opcode: i === 0 ? Opcode.Text : Opcode.Continuation,
      payload: bytes(part),
      fin: i === parts.length - 1,
    })),
    [1007],
  ),
);

// --- §8.1: failing fast, before the message ends ---

const FAST_RULE = `${INVALID_RULE} A server that checks text as it arrives fails at the first bad byte, without waiting for the rest of the message (and without storing it); one that checks only whole messages fails later, which is allowed but not ideal.`;

/**
 * What came before the message ended (a close, TCP closing, an echo), judged as the failure it
 * should be: OK is a close with 1007, in time.
 */
async function judgeEarly(
  context: ServerContext,
  connection: Connection,
  happening: Happening,
  expected: string,
): Promise<Judgement> {
  connection.unread(happening);
  const judgement = await expectFailure(context, connection, [1007], { probe: false });
  return { ...judgement, expected };
}

/** A first fragment (FIN=0) with bad bytes in it, then a ping: does the failure come first? */
function failFastFragment(name: string, payload: Buffer): Spec {
  return {
    section: '8.1',
    title: `fails fast: ${name} in the first fragment of a message`,
    rule: FAST_RULE,
    lesson: LESSON.utf8,
    run: async (context) => {
      const connection = await context.open();
      await connection.send([
        { opcode: Opcode.Text, payload, fin: false },
        { opcode: Opcode.Ping, payload: PROBE },
      ]);
      const expected =
        'a close frame with 1007 (Invalid Payload Data) before the message ends: before the pong to the ping sent after the bad fragment';
      const happening = await connection.next(context.timeoutMs);
      if (happening.kind !== 'pong') return judgeEarly(context, connection, happening, expected);
      // The server waits for the end of the message: send it, and see.
      await connection.send({ opcode: Opcode.Continuation, payload: 'end' });
      const late = await expectFailure(context, connection, [1007], { probe: false });
      if (late.verdict !== 'OK') return { ...late, expected };
      return judge.nonStrict(expected, `1007 only once the message had ended (${late.actual})`);
    },
  };
}

/**
 * One large frame whose first part holds a bad byte: the first part is sent, and the checker
 * waits a moment for the failure before sending the rest.
 */
function failFastFrame(length: number, badAt: number): Spec {
  const payload = textPayload(length);
  payload[badAt] = 0xff;
  const firstPart = 4096;
  return {
    section: '8.1',
    title: `fails fast: ff at byte ${badAt} of a ${length}-byte text frame, the rest held back`,
    rule: FAST_RULE,
    lesson: LESSON.utf8,
    run: async (context) => {
      const connection = await context.open();
      const expected = `a close frame with 1007 (Invalid Payload Data) after the first ${firstPart} bytes, before the rest of the frame is sent`;
      const header = 2 + (length > 0xffff ? 8 : 2) + 4;
      const rest = await connection.sendHeldBack(
        { opcode: Opcode.Text, payload },
        header + firstPart,
      );
      const happening = await connection.next(context.quietMs);
      if (happening.kind !== 'timeout') {
        return judgeEarly(context, connection, happening, expected);
      }
      await rest();
      const late = await expectFailure(context, connection, [1007], { probe: false });
      if (late.verdict !== 'OK') return { ...late, expected };
      return judge.nonStrict(
        expected,
        `nothing within ${context.quietMs / 1000} s; 1007 once the whole frame had come`,
      );
    },
  };
}

const failFastCases: Spec[] = [
  failFastFragment('ff', bytes('48 65 6c 6c 6f ff')),
  failFastFragment('an overlong form (c0 80)', bytes('48 65 c0 80 6c 6f')),
  failFastFragment('a surrogate (ed a0 80)', bytes('ce ba e1 bd b9 ed a0 80')),
  failFastFragment('U+110000 (f4 90 80 80)', bytes('f4 90 80 80 41')),
  failFastFrame(65536, 10),
  failFastFrame(16384, 2000),
];

export const utf8Cases: Spec[] = [
  ...validCases,
  ...invalidCases,
  ...byteFragmentInvalid,
  ...fragmentedInvalid,
  ...failFastCases,
];
