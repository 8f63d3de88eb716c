import { LESSON } from '../lesson.ts';
import type { CaseSpec } from '../verdict.ts';
import { Opcode } from '../wire/frame.ts';
import type { ClientContext } from './context.ts';
import { breaks, delivers } from './judge.ts';

type Spec = CaseSpec<ClientContext>;

const DATA_RULE =
  'A text message is UTF-8, a binary message any bytes (§5.6); a client delivers each whole to its user. How it prints them is its own affair: the checker looks for the text as it is, and for binary in hex, base64 or a list of numbers.';

const BINARY = Buffer.from([0x00, 0x01, 0x02, 0x03, 0xfe, 0xff, 0x10, 0x80]);
const WORLD = 'κόσμε, 世界, 🌍';

const dataCases: Spec[] = [
  delivers(
    {
      section: '5.6',
      title: 'a text message',
      rule: DATA_RULE,
      lesson: LESSON.clientFramesIn,
    },
    [{ opcode: Opcode.Text, payload: 'Hello from the server' }],
    { type: 'text', data: Buffer.from('Hello from the server') },
  ),
  delivers(
    {
      section: '5.6',
      title: 'a binary message',
      rule: DATA_RULE,
      lesson: LESSON.clientFramesIn,
    },
    [{ opcode: Opcode.Binary, payload: BINARY }],
    { type: 'binary', data: BINARY },
  ),
  delivers(
    {
      section: '5.6',
      title: `a text message beyond ASCII: "${WORLD}"`,
      rule: DATA_RULE,
      lesson: LESSON.clientUtf8,
    },
    [{ opcode: Opcode.Text, payload: WORLD }],
    { type: 'text', data: Buffer.from(WORLD) },
  ),
];

const UTF8_RULE =
  '"When an endpoint is to interpret a byte stream as UTF-8 but finds that the byte stream is not, in fact, a valid UTF-8 stream, that endpoint MUST _Fail the WebSocket Connection_" (§8.1), with 1007 (Invalid frame payload data, §7.4.1).';

const INVALID: { name: string; bytes: number[] }[] = [
  { name: 'the byte ff', bytes: [0x68, 0x69, 0xff] },
  { name: 'an overlong form (c0 80)', bytes: [0xc0, 0x80] },
  { name: 'a surrogate (ed a0 80)', bytes: [0x61, 0xed, 0xa0, 0x80] },
  { name: 'U+110000, above the last code point (f4 90 80 80)', bytes: [0xf4, 0x90, 0x80, 0x80] },
  { name: 'a character cut short at the end (e2 82)', bytes: [0x61, 0x62, 0xe2, 0x82] },
];

const invalidCases: Spec[] = [
  ...INVALID.map(({ name, bytes }) =>
    breaks(
      {
        section: '8.1',
        title: `text that is not UTF-8: ${name}`,
        rule: UTF8_RULE,
        lesson: LESSON.clientUtf8,
      },
      [{ opcode: Opcode.Text, payload: Buffer.from(bytes) }],
      [1007],
    ),
  ),
  breaks(
    {
      section: '8.1',
      title: 'text that is not UTF-8 in its second fragment',
      rule: UTF8_RULE,
      lesson: LESSON.clientUtf8,
    },
    [
      { opcode: Opcode.Text, payload: 'valid, ', fin: false },
      { opcode: Opcode.Continuation, payload: Buffer.from([0x61, 0xff]), fin: true },
    ],
    [1007],
  ),
  delivers(
    {
      section: '8.1',
      title: 'a character split between two fragments (valid)',
      rule: `${UTF8_RULE} A character cut at a fragment's end is not an error: it ends in the next fragment (§5.4: the message is the fragments put together).`,
      lesson: LESSON.clientUtf8,
    },
    [
      { opcode: Opcode.Text, payload: Buffer.from([0x63, 0x61, 0x66, 0xc3]), fin: false },
      { opcode: Opcode.Continuation, payload: Buffer.from([0xa9, 0x21]), fin: true },
    ],
    { type: 'text', data: Buffer.from('café!') },
  ),
];

export const utf8Cases: Spec[] = [...dataCases, ...invalidCases];
