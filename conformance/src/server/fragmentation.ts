import { LESSON } from '../lesson.ts';
import { type CaseSpec, judge } from '../verdict.ts';
import { type FrameSpec, Opcode } from '../wire/frame.ts';
import { size } from '../wire/hex.ts';
import { BYTE_BY_BYTE, type Chunking, ODD_PIECES, WHOLE } from '../wire/pieces.ts';
import type { ServerContext } from './context.ts';
import { breaks } from './framing.ts';
import { compareEcho, expectEcho, judgeNoEcho } from './judge.ts';
import { binaryPayload, textPayload } from './payloads.ts';

type Spec = CaseSpec<ServerContext>;

const FRAGMENT_RULE =
  'A message may come in fragments: a first frame with FIN=0 and its type, continuation frames, the last with FIN=1 (§5.4). The server echoes the whole message.';

/** The frames of one message cut into pieces of the given sizes. */
function fragments(type: 'text' | 'binary', data: Buffer, sizes: number[]): FrameSpec[] {
  const frames: FrameSpec[] = [];
  let offset = 0;
  sizes.forEach((length, index) => {
    frames.push({
      opcode: index === 0 ? (type === 'text' ? Opcode.Text : Opcode.Binary) : Opcode.Continuation,
      payload: data.subarray(offset, offset + length),
      fin: index === sizes.length - 1,
    });
    offset += length;
  });
  return frames;
}

function fragmentedEcho(
  title: string,
  type: 'text' | 'binary',
  data: Buffer,
  sizes: number[],
  chunking: Chunking = WHOLE,
): Spec {
  return {
    section: '5.4',
    title: chunking === WHOLE ? title : `${title}, ${chunking.name}`,
    rule: FRAGMENT_RULE,
    lesson: LESSON.fragments,
    run: async (context) => {
      const connection = await context.open();
      await connection.send(fragments(type, data, sizes), chunking);
      return expectEcho(context, connection, type, data);
    },
  };
}

const hello = Buffer.from('Hello, world');

const validCases: Spec[] = [
  fragmentedEcho('a text message in two fragments', 'text', hello, [7, 5]),
  fragmentedEcho('a binary message in two fragments', 'binary', binaryPayload(20), [10, 10]),
  fragmentedEcho('a text message in two fragments', 'text', hello, [7, 5], BYTE_BY_BYTE),
  fragmentedEcho(
    'a binary message in two fragments',
    'binary',
    binaryPayload(300),
    [150, 150],
    ODD_PIECES,
  ),
  fragmentedEcho('three fragments, the middle one empty', 'text', hello, [7, 0, 5]),
  fragmentedEcho('the first fragment empty', 'text', hello, [0, 12]),
  fragmentedEcho('the last fragment empty', 'text', hello, [12, 0]),
  fragmentedEcho('an empty message in two empty fragments', 'text', Buffer.alloc(0), [0, 0]),
  fragmentedEcho(
    'a text message in 100 fragments of 1 byte',
    'text',
    textPayload(100),
    Array(100).fill(1),
  ),
  fragmentedEcho(
    'a binary message in 1000 fragments of 1 byte',
    'binary',
    binaryPayload(1000),
    Array(1000).fill(1),
  ),
  fragmentedEcho(
    'a binary message in 1000 fragments of 1 byte',
    'binary',
    binaryPayload(1000),
    Array(1000).fill(1),
    ODD_PIECES,
  ),
  fragmentedEcho(
    'fragments in all three length forms: 125, 126 and 65536 bytes',
    'binary',
    binaryPayload(125 + 126 + 65536),
    [125, 126, 65536],
  ),
  fragmentedEcho(
    `${size(65536)} in 16 fragments of 4 KiB`,
    'binary',
    binaryPayload(65536),
    Array(16).fill(4096),
    ODD_PIECES,
  ),
  {
    section: '5.4',
    title: 'a fragmented message, then a whole one',
    rule: FRAGMENT_RULE,
    lesson: LESSON.fragments,
    run: async (context) => {
      const connection = await context.open();
      await connection.send([
        ...fragments('text', hello, [5, 7]),
        { opcode: Opcode.Binary, payload: binaryPayload(3) },
      ]);
      const first = await expectEcho(context, connection, 'text', hello);
      if (first.verdict !== 'OK') return first;
      return expectEcho(context, connection, 'binary', binaryPayload(3));
    },
  },
];

// --- §5.4: control frames between the fragments of a message ---

const BETWEEN_RULE =
  '"Control frames MAY be injected in the middle of a fragmented message" (§5.4): a ping there is answered, and the message goes on.';

function controlBetween(
  title: string,
  middle: FrameSpec[],
  pongs: string[],
  chunking = WHOLE,
): Spec {
  return {
    section: '5.4',
    title: chunking === WHOLE ? title : `${title}, ${chunking.name}`,
    rule: BETWEEN_RULE,
    lesson: LESSON.fragments,
    run: async (context) => {
      const connection = await context.open();
      const [first, last] = fragments('text', hello, [7, 5]);
      await connection.send([first!, ...middle, last!], chunking);
      const expected = `${pongs.length ? `${pongs.map((pong) => `a pong "${pong}"`).join(', ')} and ` : ''}the echo of "Hello, world"`;
      const waiting = [...pongs];
      for (;;) {
        const happening = await connection.next(context.timeoutMs);
        if (happening.kind === 'pong' && happening.data.toString() === waiting[0]) {
          waiting.shift();
          continue;
        }
        if (happening.kind !== 'message') return judgeNoEcho(expected, happening);
        const echo = compareEcho(expected, 'text', hello, happening);
        if (echo.verdict !== 'OK' || waiting.length === 0) return echo;
        return judge.failed(expected, `the echo came, but no pong "${waiting[0]}" before it`);
      }
    },
  };
}

const betweenCases: Spec[] = [
  controlBetween(
    'a ping between two fragments',
    [{ opcode: Opcode.Ping, payload: 'between' }],
    ['between'],
  ),
  controlBetween(
    'a ping between two fragments',
    [{ opcode: Opcode.Ping, payload: 'between' }],
    ['between'],
    BYTE_BY_BYTE,
  ),
  controlBetween(
    'two pings between two fragments',
    [
      { opcode: Opcode.Ping, payload: 'one' },
      { opcode: Opcode.Ping, payload: 'two' },
    ],
    ['one', 'two'],
  ),
  controlBetween(
    'an unsolicited pong between two fragments',
    [{ opcode: Opcode.Pong, payload: 'pong' }],
    [],
  ),
  controlBetween(
    'a ping and a pong between two fragments',
    [
      { opcode: Opcode.Pong, payload: 'pong' },
      { opcode: Opcode.Ping, payload: 'ping' },
    ],
    ['ping'],
    ODD_PIECES,
  ),
];

// --- §5.4: fragments out of order ---

const ORDER_RULE =
  'A continuation frame belongs to a message that was started, and a new text or binary frame may only start once the last message has ended: "the fragments of one message MUST NOT be interleaved" (§5.4). A server fails the connection (1002).';

const orderCases: Spec[] = [
  {
    what: 'a continuation frame with FIN=1 and no message started',
    frames: [{ opcode: Opcode.Continuation, payload: 'alone' }],
  },
  {
    what: 'a continuation frame with FIN=0 and no message started',
    frames: [
      { opcode: Opcode.Continuation, payload: 'alone', fin: false },
      { opcode: Opcode.Continuation, payload: 'again' },
    ],
  },
  {
    what: 'a continuation frame after a message that had ended',
    frames: [
      { opcode: Opcode.Text, payload: 'whole' },
      { opcode: Opcode.Continuation, payload: 'late' },
    ],
    answeredFirst: [Buffer.from('whole')],
  },
  {
    what: 'a text frame (FIN=1) inside a fragmented text message',
    frames: [
      { opcode: Opcode.Text, payload: 'first', fin: false },
      { opcode: Opcode.Text, payload: 'second' },
    ],
  },
  {
    what: 'a binary frame inside a fragmented text message',
    frames: [
      { opcode: Opcode.Text, payload: 'first', fin: false },
      { opcode: Opcode.Binary, payload: 'second' },
    ],
  },
  {
    what: 'a text frame with FIN=0 inside a fragmented binary message',
    frames: [
      { opcode: Opcode.Binary, payload: 'first', fin: false },
      { opcode: Opcode.Text, payload: 'second', fin: false },
      { opcode: Opcode.Continuation, payload: 'end' },
    ],
  },
  {
    what: 'a new text frame after a ping, inside a fragmented message',
    frames: [
      { opcode: Opcode.Text, payload: 'first', fin: false },
      { opcode: Opcode.Ping, payload: 'ping' },
      { opcode: Opcode.Text, payload: 'second' },
    ],
    answeredFirst: [Buffer.from('ping')],
  },
].map(({ what, frames, answeredFirst }) =>
  breaks(
    { section: '5.4', title: what, rule: ORDER_RULE, lesson: LESSON.fragments },
    frames,
    [1002],
    answeredFirst ? { answeredFirst } : {},
  ),
);

export const fragmentationCases: Spec[] = [...validCases, ...betweenCases, ...orderCases];
