import { LESSON } from '../lesson.ts';
import type { CaseSpec } from '../verdict.ts';
import { type FrameSpec, Opcode } from '../wire/frame.ts';
import type { ClientContext } from './context.ts';
import { breaks, delivers } from './judge.ts';

type Spec = CaseSpec<ClientContext>;

const FRAGMENT_RULE =
  'A message may come in fragments: a first frame with its opcode and FIN clear, continuation frames (opcode 0), the last with FIN set; the message is their payloads put together (§5.4), delivered once, whole.';

/** A message cut into fragments at these payload sizes (0 makes an empty fragment). */
function fragments(type: 'text' | 'binary', data: Buffer, sizes: number[]): FrameSpec[] {
  const frames: FrameSpec[] = [];
  let offset = 0;
  sizes.forEach((size, i) => {
    frames.push({
      opcode: i === 0 ? (type === 'text' ? Opcode.Text : Opcode.Binary) : Opcode.Continuation,
      payload: data.subarray(offset, offset + size),
      fin: i === sizes.length - 1,
    });
    offset += size;
  });
  return frames;
}

const TEXT = Buffer.from('put together from fragments');
const BINARY = Buffer.from([0x00, 0x01, 0x02, 0x03, 0xfe, 0xff, 0x10, 0x80, 0x7f, 0x1b]);

const deliveredCases: Spec[] = [
  delivers(
    {
      section: '5.4',
      title: 'a text message in 3 fragments',
      rule: FRAGMENT_RULE,
      lesson: LESSON.clientFramesIn,
    },
    fragments('text', TEXT, [7, 9, TEXT.length - 16]),
    { type: 'text', data: TEXT },
  ),
  delivers(
    {
      section: '5.4',
      title: 'a binary message in 3 fragments',
      rule: FRAGMENT_RULE,
      lesson: LESSON.clientFramesIn,
    },
    fragments('binary', BINARY, [3, 3, BINARY.length - 6]),
    { type: 'binary', data: BINARY },
  ),
  delivers(
    {
      section: '5.4',
      title: 'a text message in 29 fragments, empty ones among them',
      rule: FRAGMENT_RULE,
      lesson: LESSON.clientFramesIn,
    },
    fragments('text', TEXT, [0, ...Array(TEXT.length).fill(1), 0]),
    { type: 'text', data: TEXT },
  ),
];

const ORDER_RULE =
  'Fragments come in order: a continuation frame belongs to a message already started, and "the fragments of one message MUST NOT be interleaved between the fragments of another message" (§5.4). Either mistake is a protocol error (1002).';

const brokenCases: Spec[] = [
  breaks(
    {
      section: '5.4',
      title: 'a continuation frame with no message started',
      rule: ORDER_RULE,
      lesson: LESSON.clientFramesIn,
    },
    [{ opcode: Opcode.Continuation, payload: 'no start', fin: true }],
    [1002],
  ),
  breaks(
    {
      section: '5.4',
      title: 'a new text message inside a fragmented one',
      rule: ORDER_RULE,
      lesson: LESSON.clientFramesIn,
    },
    [
      { opcode: Opcode.Text, payload: 'started, ', fin: false },
      { opcode: Opcode.Text, payload: 'and another', fin: true },
    ],
    [1002],
  ),
];

export const fragmentationCases: Spec[] = [...deliveredCases, ...brokenCases];
