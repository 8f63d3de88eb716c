import { LESSON } from '../lesson.ts';
import type { CaseSpec } from '../verdict.ts';
import { Opcode } from '../wire/frame.ts';
import type { ClientContext } from './context.ts';
import { textOf } from './framing.ts';
import { breaks, combine, delivers, expectPong, expectPrinted } from './judge.ts';

type Spec = CaseSpec<ClientContext>;

const PING_RULE =
  '"Upon receipt of a Ping frame, an endpoint MUST send a Pong frame in response", and "A Pong frame sent in response to a Ping frame must have identical "Application data" as found in the message body of the Ping frame being replied to" (§5.5.2, §5.5.3) - at any time, even between the fragments of a message (§5.4).';

function pingCase(title: string, payload: Buffer): Spec {
  return {
    section: '5.5.2',
    title,
    rule: PING_RULE,
    lesson: LESSON.clientFramesIn,
    run: async (context) => {
      const { connection } = await context.open();
      await connection.send({ opcode: Opcode.Ping, payload });
      return expectPong(context, connection, payload);
    },
  };
}

const pingCases: Spec[] = [
  pingCase('a ping with "Hello"', Buffer.from('Hello')),
  pingCase('an empty ping', Buffer.alloc(0)),
  pingCase(
    'a ping of 125 bytes, all 256 byte values but a few',
    Buffer.from(Array.from({ length: 125 }, (_, i) => (i * 2 + 1) & 0xff)),
  ),
  {
    section: '5.5.2',
    title: 'a ping between the fragments of a text message',
    rule: PING_RULE,
    lesson: LESSON.clientFramesIn,
    run: async (context) => {
      const { connection, process } = await context.open();
      const ping = Buffer.from('between fragments');
      await connection.send([
        { opcode: Opcode.Text, payload: 'first half, ', fin: false },
        { opcode: Opcode.Ping, payload: ping },
        { opcode: Opcode.Continuation, payload: 'second half', fin: true },
      ]);
      const pong = await expectPong(context, connection, ping);
      if (pong.verdict !== 'OK') return pong;
      return combine(
        pong,
        await expectPrinted(context, process, Buffer.from('first half, second half'), 'text'),
      );
    },
  },
  delivers(
    {
      section: '5.5.3',
      title: 'an unsolicited pong is ignored',
      rule: '"A Pong frame MAY be sent unsolicited. This serves as a unidirectional heartbeat. A response to an unsolicited Pong frame is not expected" (§5.5.3): the client reads on, and answers the next ping.',
      lesson: LESSON.clientFramesIn,
    },
    [{ opcode: Opcode.Pong, payload: 'heartbeat' }],
    undefined,
  ),
];

const CONTROL_RULE =
  '"All control frames MUST have a payload length of 125 bytes or less and MUST NOT be fragmented" (§5.5): a client that receives one fails the connection with 1002 (Protocol Error).';

const brokenControlCases: Spec[] = [
  breaks(
    {
      section: '5.5',
      title: 'a ping of 126 bytes',
      rule: CONTROL_RULE,
      lesson: LESSON.clientFramesIn,
    },
    [{ opcode: Opcode.Ping, payload: textOf(126) }],
    [1002],
  ),
  breaks(
    {
      section: '5.5',
      title: 'a fragmented ping (FIN clear)',
      rule: CONTROL_RULE,
      lesson: LESSON.clientFramesIn,
    },
    [{ opcode: Opcode.Ping, payload: 'fragmented', fin: false }],
    [1002],
  ),
];

export const controlCases: Spec[] = [...pingCases, ...brokenControlCases];
