import { LESSON } from '../lesson.ts';
import { type CaseSpec, type Judgement, judge } from '../verdict.ts';
import { Opcode } from '../wire/frame.ts';
import { BYTE_BY_BYTE, ODD_PIECES } from '../wire/pieces.ts';
import type { ClientContext } from './context.ts';
import { breaks, delivers, expectLineSent, expectPong } from './judge.ts';

type Spec = CaseSpec<ClientContext>;

/** ASCII text of `length` bytes that shows where it starts and ends: `[...abcabc...]`. */
export function textOf(length: number): string {
  if (length < 2) return 'x'.repeat(length);
  const body = 'abcdefghijklmnopqrstuvwxyz0123456789'.repeat(Math.ceil(length / 36));
  return `[${body.slice(0, length - 2)}]`;
}

// --- the client's frames: masked, with fresh keys, lengths in the shortest form ---

const MASK_RULE =
  '"A client MUST mask all frames that it sends to the server" (§5.1); for each frame it "MUST pick a fresh masking key from the set of allowed 32-bit values", and the key "needs to be unpredictable" (§5.3, §10.3): a page that could guess it could make the bytes on the wire say what it wants to a proxy.';

const maskedLine: Spec = {
  section: '5.1',
  title: 'a line sent as a masked text message',
  rule: MASK_RULE,
  lesson: LESSON.clientFramesOut,
  run: async (context) => {
    const { connection, process } = await context.open();
    const line = 'masked, as every frame of a client';
    process.writeLine(line);
    return expectLineSent(context, connection, line);
  },
};

/** How many pings (and lines) the fresh-key case sends: every frame they bring has its key. */
const KEYED_FRAMES = 8;

const freshKeys: Spec = {
  section: '5.3',
  title: `a fresh masking key on every frame: ${KEYED_FRAMES} pongs and ${KEYED_FRAMES} messages`,
  rule: MASK_RULE,
  lesson: LESSON.clientFramesOut,
  run: async (context) => {
    const keys: Buffer[] = [];
    const { connection, process } = await context.open({
      onFrame: (frame) => {
        if (frame.maskKey) keys.push(Buffer.from(frame.maskKey));
      },
    });
    for (let i = 0; i < KEYED_FRAMES; i++) {
      const payload = Buffer.from(`ping ${i + 1}`);
      await connection.send({ opcode: Opcode.Ping, payload });
      const pong = await expectPong(context, connection, payload);
      if (pong.verdict !== 'OK') return pong;
    }
    let note = '';
    for (let i = 0; i < KEYED_FRAMES; i++) {
      const line = `message ${i + 1}`;
      process.writeLine(line);
      const sent = await expectLineSent(context, connection, line);
      if (sent.verdict === 'FAILED') return sent;
      if (sent.verdict !== 'OK') {
        note =
          ' (the client does not send its input lines: the keys of its pongs and its own messages)';
        break;
      }
    }
    return judgeKeys(keys, note);
  },
};

/** No key twice, and no key counted from the one before. */
function judgeKeys(keys: Buffer[], note: string): Judgement {
  const expected = 'every frame masked with a key of its own, none to be guessed from the others';
  const seen = new Map<string, number>();
  for (const key of keys) seen.set(key.toString('hex'), (seen.get(key.toString('hex')) ?? 0) + 1);
  const repeated = [...seen].filter(([, count]) => count > 1);
  if (repeated.length > 0) {
    const [key, count] = repeated[0]!;
    return judge.failed(
      expected,
      `${keys.length} frames, ${seen.size} different keys: ${key.replace(/(..)/g, '$1 ').trim()} on ${count} frames${note}`,
    );
  }
  const values = keys.map((key) => key.readUInt32BE(0));
  const step = ((values[1] ?? 0) - (values[0] ?? 0)) >>> 0;
  const counted =
    values.length >= 3 &&
    values.every((value, i) => i === 0 || (value - values[i - 1]!) >>> 0 === step);
  if (counted) {
    return judge.failed(
      expected,
      `${keys.length} keys, each the one before plus ${step}: anyone can tell the next one`,
    );
  }
  return judge.ok(expected, `${keys.length} frames, ${keys.length} different keys${note}`);
}

const LENGTH_RULE =
  'A frame\'s length takes 7 bits up to 125, 16 bits (after 126) up to 65535, 64 bits (after 127) above; "the minimal number of bytes MUST be used to encode the length" (§5.2).';

const lineLengths: Spec[] = [
  { length: 125, form: 'the 7-bit form, at its largest' },
  { length: 126, form: 'the 16-bit form, at its smallest' },
  { length: 65535, form: 'the 16-bit form, at its largest' },
  { length: 65536, form: 'the 64-bit form, at its smallest' },
].map(({ length, form }) => ({
  section: '5.2',
  title: `a line of ${length} bytes: ${form}`,
  rule: LENGTH_RULE,
  lesson: LESSON.clientFramesOut,
  run: async (context) => {
    const { connection, process } = await context.open();
    const line = textOf(length);
    process.writeLine(line);
    return expectLineSent(context, connection, line);
  },
}));

// --- the server's frames, read by the client ---

const FAIL_RULE =
  'A frame that breaks a rule of §5.2 makes the client _Fail the WebSocket Connection_ (§7.1.7): a close frame with 1002 (Protocol Error), and nothing read after the broken rule.';

const serverFrameFailures: Spec[] = [
  breaks(
    {
      section: '5.1',
      title: 'a masked frame from the server',
      rule: '"A server MUST NOT mask any frames that it sends to the client. A client MUST close a connection if it detects a masked frame" (§5.1), with 1002 (Protocol Error).',
      lesson: LESSON.clientFramesIn,
    },
    [{ opcode: Opcode.Text, payload: 'masked by the server', mask: true }],
    [1002],
  ),
  ...[0b100, 0b010, 0b001].map((rsv) =>
    breaks(
      {
        section: '5.2',
        title: `a text frame with RSV${4 - Math.log2(rsv) - 1} set, no extension agreed`,
        rule: `RSV1, RSV2 and RSV3 "MUST be 0 unless an extension is negotiated that defines meanings for non-zero values. If a nonzero value is received and none of the negotiated extensions defines the meaning of such a nonzero value, the receiving endpoint MUST _Fail the WebSocket Connection_" (§5.2). The checker's 101 takes up no extension.`,
        lesson: LESSON.clientFramesIn,
      },
      [{ opcode: Opcode.Text, payload: 'reserved bits', rsv }],
      [1002],
    ),
  ),
  ...[0x3, 0xb].map((opcode) =>
    breaks(
      {
        section: '5.2',
        title: `a frame with the reserved opcode 0x${opcode.toString(16)} (${opcode < 8 ? 'data' : 'control'})`,
        rule: `Opcodes 0x3-0x7 and 0xB-0xF are reserved: "If an unknown opcode is received, the receiving endpoint MUST _Fail the WebSocket Connection_" (§5.2). ${FAIL_RULE}`,
        lesson: LESSON.clientFramesIn,
      },
      [{ opcode, payload: 'reserved' }],
      [1002],
    ),
  ),
  breaks(
    {
      section: '5.2',
      title: 'a 64-bit length with its most significant bit set',
      rule: `In the 64-bit length form "the most significant bit MUST be 0" (§5.2): such a length is a protocol error, or at least too big to read (1009). ${FAIL_RULE}`,
      lesson: LESSON.clientFramesIn,
    },
    [{ opcode: Opcode.Binary, announce: 2n ** 63n + 5n }],
    [1002, 1009],
  ),
];

const DELIVERY_RULE =
  'A client reads frames out of a byte stream cut anywhere (TCP keeps no boundaries), in each of the three length forms (§5.2), and delivers each message whole (§6.2); a ping among them is answered with a pong (§5.5.2).';

const serverMessages: Spec[] = [
  delivers(
    {
      section: '5.2',
      title: 'an empty text message',
      rule: DELIVERY_RULE,
      lesson: LESSON.clientFramesIn,
    },
    [{ opcode: Opcode.Text, payload: '' }],
    undefined,
  ),
  ...[125, 126, 65535, 65536].map((length) =>
    delivers(
      {
        section: '5.2',
        title: `a text message of ${length} bytes`,
        rule: DELIVERY_RULE,
        lesson: LESSON.clientFramesIn,
      },
      [{ opcode: Opcode.Text, payload: textOf(length) }],
      { type: 'text', data: Buffer.from(textOf(length)) },
    ),
  ),
  delivers(
    {
      section: '5.2',
      title: 'a text message and a ping, one byte per write',
      rule: DELIVERY_RULE,
      lesson: LESSON.clientFramesIn,
    },
    [{ opcode: Opcode.Text, payload: 'one byte at a time' }],
    { type: 'text', data: Buffer.from('one byte at a time') },
    BYTE_BY_BYTE,
  ),
  delivers(
    {
      section: '5.2',
      title: 'a text message of 300 bytes and a ping, in pieces of 1, 3, 7, 13... bytes',
      rule: DELIVERY_RULE,
      lesson: LESSON.clientFramesIn,
    },
    [{ opcode: Opcode.Text, payload: textOf(300) }],
    { type: 'text', data: Buffer.from(textOf(300)) },
    ODD_PIECES,
  ),
];

export const framingCases: Spec[] = [
  maskedLine,
  freshKeys,
  ...lineLengths,
  ...serverFrameFailures,
  ...serverMessages,
];
