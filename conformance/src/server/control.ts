import { LESSON } from '../lesson.ts';
import { type CaseSpec, judge } from '../verdict.ts';
import { Opcode } from '../wire/frame.ts';
import { size } from '../wire/hex.ts';
import { BYTE_BY_BYTE, type Chunking, ODD_PIECES, WHOLE } from '../wire/pieces.ts';
import type { ServerContext } from './context.ts';
import { breaks } from './framing.ts';
import { close, describeHappening, expectEcho, expectPong, judgeNoEcho } from './judge.ts';
import { binaryPayload, textPayload } from './payloads.ts';

type Spec = CaseSpec<ServerContext>;

// --- §5.5.2: a ping is answered by a pong with the same bytes ---

const PING_RULE =
  '"Upon receipt of a Ping frame, an endpoint MUST send a Pong frame in response", and the pong carries the same application data as the ping (§5.5.2).';

function pingCase(payload: Buffer, what: string, chunking: Chunking = WHOLE): Spec {
  return {
    section: '5.5.2',
    title: `a ping with ${what}, ${chunking.name}`,
    rule: PING_RULE,
    lesson: LESSON.fragments,
    run: async (context) => {
      const connection = await context.open();
      await connection.send({ opcode: Opcode.Ping, payload }, chunking);
      return expectPong(context, connection, payload);
    },
  };
}

const pingCases: Spec[] = [
  pingCase(Buffer.alloc(0), 'no payload'),
  pingCase(Buffer.from('Hello'), 'the payload "Hello"'),
  pingCase(binaryPayload(1), 'a 1-byte payload'),
  pingCase(binaryPayload(125), 'a 125-byte payload, the most a control frame carries'),
  pingCase(Buffer.from(Array.from({ length: 125 }, (_, i) => 255 - i)), '125 bytes from ff down'),
  pingCase(binaryPayload(125), 'a 125-byte payload', BYTE_BY_BYTE),
  pingCase(textPayload(100), 'a 100-byte payload', ODD_PIECES),
  {
    section: '5.5.2',
    title: 'ten pings in one write, then a message',
    rule: `${PING_RULE} A server behind on its pongs MAY answer only the latest ping (§5.5.3).`,
    lesson: LESSON.fragments,
    run: async (context) => {
      const connection = await context.open();
      const pings = Array.from({ length: 10 }, (_, i) => `ping ${i}`);
      await connection.send([
        ...pings.map((payload) => ({ opcode: Opcode.Ping, payload })),
        { opcode: Opcode.Text, payload: 'after the pings' },
      ]);
      const expected = 'pongs for the pings in order, the last one at least, and the echo';
      let answered = -1;
      for (;;) {
        const happening = await connection.next(context.timeoutMs);
        if (happening.kind === 'pong') {
          const index = pings.indexOf(happening.data.toString('latin1'));
          if (index <= answered) {
            return judge.failed(
              expected,
              `${describeHappening(happening)}, out of order or unknown`,
            );
          }
          answered = index;
          continue;
        }
        if (happening.kind !== 'message') return judgeNoEcho(expected, happening);
        if (answered !== pings.length - 1) {
          return judge.failed(expected, `the echo came before a pong for "ping 9"`);
        }
        return judge.ok(expected, 'the pongs, then the echo');
      }
    },
  },
];

// --- §5.5: control frames carry at most 125 bytes and are never fragmented ---

const SIZE_RULE =
  '"All control frames MUST have a payload length of 125 bytes or less and MUST NOT be fragmented" (§5.5): a server fails the connection (1002).';

const controlRuleCases: Spec[] = [
  ...[
    { opcode: Opcode.Ping, length: 126 },
    { opcode: Opcode.Ping, length: 65536 },
    { opcode: Opcode.Pong, length: 126 },
  ].map(({ opcode, length }) =>
    breaks(
      {
        section: '5.5',
        title: `a ${opcode === Opcode.Ping ? 'ping' : 'pong'} with ${size(length)} of payload`,
        rule: SIZE_RULE,
        lesson: LESSON.fragments,
      },
      [{ opcode, payload: binaryPayload(length) }],
    ),
  ),
  breaks(
    {
      section: '5.5',
      title: 'a close frame with 126 bytes: the code and a 124-byte reason',
      rule: SIZE_RULE,
      lesson: LESSON.fragments,
    },
    [close(1000, 'r'.repeat(124))],
  ),
  ...[
    { what: 'a ping with FIN=0', frames: [{ opcode: Opcode.Ping, payload: 'frag', fin: false }] },
    {
      what: 'a ping with FIN=0, then a continuation with FIN=1',
      frames: [
        { opcode: Opcode.Ping, payload: 'frag', fin: false },
        { opcode: Opcode.Continuation, payload: 'ment' },
      ],
    },
    { what: 'a pong with FIN=0', frames: [{ opcode: Opcode.Pong, payload: 'frag', fin: false }] },
    { what: 'a close frame with FIN=0', frames: [{ ...close(1000), fin: false }] },
    {
      what: 'a ping with FIN=0 between the fragments of a message',
      frames: [
        { opcode: Opcode.Text, payload: 'frag', fin: false },
        { opcode: Opcode.Ping, payload: 'ping', fin: false },
        { opcode: Opcode.Continuation, payload: 'ment' },
      ],
    },
  ].map(({ what, frames }) =>
    breaks({ section: '5.5', title: what, rule: SIZE_RULE, lesson: LESSON.fragments }, frames),
  ),
];

// --- §5.5.3: a pong nobody asked for needs no answer ---

const UNSOLICITED_RULE =
  '"A Pong frame MAY be sent unsolicited. This serves as a unidirectional heartbeat. A response to an unsolicited Pong frame is not expected" (§5.5.3): the server reads on.';

const pongCases: Spec[] = [
  { payload: Buffer.alloc(0), what: 'an empty pong' },
  { payload: Buffer.from('unsolicited'), what: 'a pong with a payload no ping had' },
  { payload: binaryPayload(125), what: 'a pong of 125 bytes' },
  { payload: Buffer.from('x'), what: 'ten pongs in one write', times: 10 },
].map(
  ({ payload, what, times }): Spec => ({
    section: '5.5.3',
    title: `${what}, then a message`,
    rule: UNSOLICITED_RULE,
    lesson: LESSON.fragments,
    run: async (context) => {
      const connection = await context.open();
      const pongs = Array.from({ length: times ?? 1 }, () => ({ opcode: Opcode.Pong, payload }));
      await connection.send([...pongs, { opcode: Opcode.Text, payload: 'still there?' }]);
      return expectEcho(context, connection, 'text', Buffer.from('still there?'));
    },
  }),
);

export const controlCases: Spec[] = [...pingCases, ...controlRuleCases, ...pongCases];
