import { LESSON } from '../lesson.ts';
import type { CaseSpec } from '../verdict.ts';
import { judge } from '../verdict.ts';
import { type FrameSpec, Opcode, opcodeName } from '../wire/frame.ts';
import { size } from '../wire/hex.ts';
import {
  BYTE_BY_BYTE,
  type Chunking,
  HEADER_BYTE_BY_BYTE,
  ODD_PIECES,
  SPLIT_IN_HEADER,
  WHOLE,
} from '../wire/pieces.ts';
import type { ServerContext } from './context.ts';
import {
  close,
  compareEcho,
  describeHappening,
  echoes,
  expectEcho,
  expectFailure,
  expectPong,
  type FailureOptions,
  judgeNoEcho,
  PROBE_FRAME,
} from './judge.ts';
import { binaryPayload, textPayload } from './payloads.ts';

type Spec = CaseSpec<ServerContext>;

/** A frame that breaks a rule: the server must fail the connection with `codes` (1002). */
export function breaks(
  spec: Omit<Spec, 'run'>,
  frames: FrameSpec[],
  codes = [1002],
  options: FailureOptions = {},
): Spec {
  return {
    ...spec,
    run: async (context) => {
      const connection = await context.open();
      const probe = options.probe !== false;
      await connection.send(probe ? [...frames, PROBE_FRAME] : frames);
      return expectFailure(context, connection, codes, { ...options, probe: false });
    },
  };
}

// --- §5.2: the three length forms at their edges, in every chunking ---

/** Payload lengths at the edges of the 7-bit, 16-bit and 64-bit forms. */
export const EDGE_LENGTHS = [0, 1, 125, 126, 127, 128, 65535, 65536, 65537];

function lengthForm(length: number): string {
  return length <= 125 ? '7-bit length' : length <= 0xffff ? '16-bit length' : '64-bit length';
}

const LENGTH_RULE =
  'A receiver reads all three length forms - 0 to 125 in the 7 bits, 126 then a 16-bit length, ' +
  '127 then a 64-bit length - from bytes cut anywhere: TCP keeps no frame boundaries.';

function echoCase(type: 'text' | 'binary', length: number, chunking: Chunking): Spec {
  const payload = type === 'text' ? textPayload(length) : binaryPayload(length);
  return {
    section: '5.2',
    title: `${type} message of ${size(length)} (${lengthForm(length)}), ${chunking.name}`,
    rule: LENGTH_RULE,
    lesson: LESSON.frames,
    run: async (context) => {
      const connection = await context.open();
      const opcode = type === 'text' ? Opcode.Text : Opcode.Binary;
      await connection.send({ opcode, payload }, chunking);
      return expectEcho(context, connection, type, payload);
    },
  };
}

const lengthCases: Spec[] = EDGE_LENGTHS.flatMap((length) => [
  echoCase('text', length, WHOLE),
  echoCase('binary', length, WHOLE),
  // One byte per write, for frames small enough; the header alone byte by byte otherwise.
  echoCase('binary', length, length <= 200 ? BYTE_BY_BYTE : HEADER_BYTE_BY_BYTE),
  echoCase('binary', length, ODD_PIECES),
  echoCase('text', length, ODD_PIECES),
  echoCase('binary', length, SPLIT_IN_HEADER),
]);

// --- §5.2: several frames in one write, the shortest length form, the reserved bits ---

const streamCases: Spec[] = [
  {
    section: '5.2',
    title: 'three messages in one write come back as three, in order',
    rule: 'A receiver reads frame after frame from the same bytes: a frame ends where its length says.',
    lesson: LESSON.frames,
    run: async (context) => {
      const connection = await context.open();
      const messages = ['one', 'two', 'three'].map((word) => Buffer.from(word));
      await connection.send(messages.map((payload) => ({ opcode: Opcode.Text, payload })));
      for (const message of messages) {
        const judgement = await expectEcho(context, connection, 'text', message);
        if (judgement.verdict !== 'OK') return judgement;
      }
      return judge.ok('three echoes, in order', 'one, two, three');
    },
  },
  {
    section: '5.2',
    title: 'a text and a binary message in one write, then a ping',
    rule: 'Frames of every kind follow each other in the same bytes, each read to its length.',
    lesson: LESSON.frames,
    run: async (context) => {
      const connection = await context.open();
      await connection.send([
        { opcode: Opcode.Text, payload: 'first' },
        { opcode: Opcode.Binary, payload: binaryPayload(300) },
        { opcode: Opcode.Ping, payload: 'then' },
      ]);
      const expected = 'the text, the binary message, and a pong "then"';
      const seen: string[] = [];
      let pong = false;
      let messages = 0;
      while (messages < 2 || !pong) {
        const happening = await connection.next(context.timeoutMs);
        seen.push(describeHappening(happening));
        if (happening.kind === 'pong') pong = happening.data.toString() === 'then';
        else if (happening.kind === 'message') {
          const judgement =
            messages === 0
              ? compareEcho(expected, 'text', Buffer.from('first'), happening)
              : compareEcho(expected, 'binary', binaryPayload(300), happening);
          if (judgement.verdict !== 'OK') return judgement;
          messages++;
        } else {
          const instead = judgeNoEcho(expected, happening);
          return { ...instead, actual: [...seen.slice(0, -1), instead.actual].join('; ') };
        }
      }
      return judge.ok(expected, 'all three');
    },
  },
  {
    section: '5.2',
    title: 'a binary message with every byte value, 0 to 255',
    rule: 'Binary payloads are bytes, any bytes; nothing in them is read as text or as a frame boundary.',
    lesson: LESSON.frames,
    run: async (context) => {
      const payload = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
      return echoes(context, await context.open(), 'binary', payload);
    },
  },
];

/**
 * §5.2 says "the minimal number of bytes MUST be used to encode the length" - a rule for the
 * sender. What a receiver does with a longer form is left open: reading it or refusing it are
 * both reported, neither is blamed.
 */
function longerForm(length: number, form: 16 | 64): Spec {
  const payload = binaryPayload(length);
  return {
    section: '5.2',
    title: `${size(length)} with its length in the ${form}-bit form, longer than needed`,
    rule: 'A sender writes a length in the shortest form; what a receiver does with a longer one is its choice.',
    lesson: LESSON.frames,
    run: async (context) => {
      const connection = await context.open();
      await connection.send({ opcode: Opcode.Binary, payload, lengthForm: form });
      const expected = 'either the echo (a lenient reader) or a close with 1002 (a strict one)';
      for (;;) {
        const happening = await connection.next(context.timeoutMs);
        if (happening.kind === 'message') {
          const echo = compareEcho(expected, 'binary', payload, happening);
          if (echo.verdict !== 'OK') return echo;
          return judge.informational(expected, 'the server read it and echoed it (lenient)');
        }
        if (happening.kind === 'close' && happening.code === 1002) {
          return judge.informational(expected, 'the server refused it with 1002 (strict)');
        }
        if (happening.kind === 'closed') {
          return judge.nonStrict(
            expected,
            `${describeHappening(happening)} (§7.1.7: a close frame SHOULD come first)`,
          );
        }
        if (happening.kind === 'pong') continue;
        return judgeNoEcho(expected, happening);
      }
    },
  };
}

const RSV_RULE =
  'RSV1, RSV2 and RSV3 are 0 unless an extension gives them a meaning; none was agreed, so a frame with one set fails the connection (1002).';

function rsvName(rsv: number): string {
  const names = ['RSV1', 'RSV2', 'RSV3'].filter((_, i) => rsv & (0b100 >> i));
  return names.join(', ');
}

const rsvCases: Spec[] = [
  ...[0b100, 0b010, 0b001, 0b111].map((rsv) =>
    breaks(
      {
        section: '5.2',
        title: `a text frame with ${rsvName(rsv)} set`,
        rule: RSV_RULE,
        lesson: LESSON.frames,
      },
      [{ opcode: Opcode.Text, payload: 'rsv', rsv }],
    ),
  ),
  ...[
    { opcode: Opcode.Binary, rsv: 0b100, payload: binaryPayload(10) },
    { opcode: Opcode.Binary, rsv: 0b010, payload: binaryPayload(200) },
    { opcode: Opcode.Ping, rsv: 0b100, payload: 'rsv' },
    { opcode: Opcode.Pong, rsv: 0b010, payload: 'rsv' },
    { opcode: Opcode.Close, rsv: 0b001, payload: close(1000).payload },
  ].map((frame) =>
    breaks(
      {
        section: '5.2',
        title: `a ${opcodeName(frame.opcode)} frame with ${rsvName(frame.rsv)} set`,
        rule: RSV_RULE,
        lesson: LESSON.frames,
      },
      [frame],
    ),
  ),
  breaks(
    {
      section: '5.2',
      title: 'a continuation frame with RSV1 set, in a fragmented message',
      rule: RSV_RULE,
      lesson: LESSON.frames,
    },
    [
      { opcode: Opcode.Text, payload: 'frag', fin: false },
      { opcode: Opcode.Continuation, payload: 'ment', rsv: 0b100 },
    ],
  ),
];

// --- §5.2: reserved opcodes ---

const OPCODE_RULE =
  'Opcodes 0x3-0x7 (data) and 0xB-0xF (control) are reserved: a frame with one fails the connection (1002).';

const opcodeCases: Spec[] = [
  ...[0x3, 0x4, 0x5, 0x6, 0x7, 0xb, 0xc, 0xd, 0xe, 0xf].map((opcode) =>
    breaks(
      {
        section: '5.2',
        title: `a frame with the reserved opcode 0x${opcode.toString(16)}`,
        rule: OPCODE_RULE,
        lesson: LESSON.frames,
      },
      [{ opcode }],
    ),
  ),
  breaks(
    {
      section: '5.2',
      title: 'the reserved opcode 0x3 with a payload, after a valid message',
      rule: OPCODE_RULE,
      lesson: LESSON.frames,
    },
    [
      { opcode: Opcode.Text, payload: 'valid' },
      { opcode: 0x3, payload: 'reserved' },
    ],
    [1002],
    { answeredFirst: [Buffer.from('valid')] },
  ),
  breaks(
    {
      section: '5.2',
      title: 'the reserved opcode 0xB with a payload',
      rule: OPCODE_RULE,
      lesson: LESSON.frames,
    },
    [{ opcode: 0xb, payload: 'reserved control' }],
  ),
  breaks(
    {
      section: '5.2',
      title: 'the reserved opcode 0x4 with FIN=0',
      rule: OPCODE_RULE,
      lesson: LESSON.frames,
    },
    [{ opcode: 0x4, payload: 'first', fin: false }],
  ),
  breaks(
    {
      section: '5.2',
      title: 'the reserved opcode 0x5 between the fragments of a message',
      rule: OPCODE_RULE,
      lesson: LESSON.frames,
    },
    [
      { opcode: Opcode.Text, payload: 'frag', fin: false },
      { opcode: 0x5, payload: 'odd' },
      { opcode: Opcode.Continuation, payload: 'ment' },
    ],
  ),
];

// --- §5.2: a 64-bit length with its top bit set ---

const TOP_BIT_RULE =
  'In the 64-bit length form "the most significant bit MUST be 0": such a header is not a frame; ' +
  'a server fails the connection (1002; 1009, too big to take, is as good).';

const topBitCases: Spec[] = [2n ** 63n, 2n ** 64n - 1n].map((length) =>
  breaks(
    {
      section: '5.2',
      title: `a 64-bit length of 0x${length.toString(16)} (top bit set)`,
      rule: TOP_BIT_RULE,
      lesson: LESSON.frames,
    },
    [{ opcode: Opcode.Binary, announce: length, payload: 'x' }],
    [1002],
    // No probe: a server that reads on takes the probe for payload.
    { probe: false, alsoOk: [1009] },
  ),
);

// --- §5.1 and §5.3: masking ---

const MASK_RULE =
  '"The server MUST close the connection upon receiving a frame that is not masked" (§5.1), and may send 1002 first.';

const unmaskedCases: Spec[] = [
  { what: 'a text frame', frames: [{ opcode: Opcode.Text, payload: 'Hello', mask: false }] },
  { what: 'an empty text frame', frames: [{ opcode: Opcode.Text, mask: false }] },
  {
    what: 'a binary frame of 200 bytes',
    frames: [{ opcode: Opcode.Binary, payload: binaryPayload(200), mask: false }],
  },
  { what: 'a ping', frames: [{ opcode: Opcode.Ping, payload: 'unmasked', mask: false }] },
  { what: 'a pong', frames: [{ opcode: Opcode.Pong, payload: 'unmasked', mask: false }] },
  {
    what: 'a close frame',
    frames: [{ ...close(1000), mask: false as const }],
  },
  {
    what: 'the continuation of a masked first fragment',
    frames: [
      { opcode: Opcode.Text, payload: 'masked ', fin: false },
      { opcode: Opcode.Continuation, payload: 'unmasked', mask: false },
    ],
  },
].map(({ what, frames }) =>
  breaks(
    { section: '5.1', title: `${what}, unmasked`, rule: MASK_RULE, lesson: LESSON.masking },
    frames,
  ),
);

const maskCases: Spec[] = [
  ...[
    { key: [0, 0, 0, 0], name: '00 00 00 00 (the payload goes as it is)' },
    { key: [0xff, 0xff, 0xff, 0xff], name: 'ff ff ff ff' },
    { key: [0x37, 0xfa, 0x21, 0x3d], name: '37 fa 21 3d (RFC 6455 §5.7)' },
  ].map(
    ({ key, name }): Spec => ({
      section: '5.3',
      title: `a message masked with the key ${name}`,
      rule: 'Any 4 bytes are a masking key, zeros included; the server XORs payload byte i with key byte i % 4.',
      lesson: LESSON.masking,
      run: async (context) => {
        const connection = await context.open();
        const payload = textPayload(37);
        await connection.send({ opcode: Opcode.Text, payload, mask: Uint8Array.from(key) });
        return expectEcho(context, connection, 'text', payload);
      },
    }),
  ),
  {
    section: '5.1',
    title: "the server's own frames are not masked",
    rule: '"A server MUST NOT mask any frames that it sends to the client" (§5.1).',
    lesson: LESSON.masking,
    run: async (context) => {
      const connection = await context.open();
      await connection.send({ opcode: Opcode.Ping, payload: 'mask?' });
      const pong = await expectPong(context, connection, Buffer.from('mask?'));
      if (pong.verdict !== 'OK') return pong;
      return echoes(context, connection, 'binary', binaryPayload(70));
    },
  },
];

export const framingCases: Spec[] = [
  ...lengthCases,
  ...streamCases,
  longerForm(5, 16),
  longerForm(5, 64),
  longerForm(300, 64),
  ...rsvCases,
  ...opcodeCases,
  ...topBitCases,
  ...unmaskedCases,
  ...maskCases,
];
