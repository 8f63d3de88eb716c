import { LESSON } from '../lesson.ts';
import { type CaseSpec, type Judgement, judge } from '../verdict.ts';
import { codeProblem, describeCode } from '../wire/close-codes.ts';
import type { Connection } from '../wire/connection.ts';
import { type FrameSpec, Opcode } from '../wire/frame.ts';
import { BYTE_BY_BYTE, type Chunking, WHOLE } from '../wire/pieces.ts';
import type { ServerContext } from './context.ts';
import { closePayload } from './context.ts';
import { breaks } from './framing.ts';
import { close, describeHappening, expectCloseReply, expectFailure } from './judge.ts';
import { bytes } from './payloads.ts';

type Spec = CaseSpec<ServerContext>;

// --- §5.5.1: a close frame is answered with a close frame ---

const REPLY_RULE =
  '"If an endpoint receives a Close frame and did not previously send a Close frame, the endpoint MUST send a Close frame in response" (§5.5.1); the reply typically echoes the code.';

function replyCase(
  section: string,
  title: string,
  code: number | undefined,
  reason = '',
  chunking: Chunking = WHOLE,
): Spec {
  return {
    section,
    title: chunking === WHOLE ? title : `${title}, ${chunking.name}`,
    rule: REPLY_RULE,
    lesson: LESSON.closing,
    run: async (context) => {
      const connection = await context.open();
      await connection.send(close(code, reason), chunking);
      return (await expectCloseReply(context, connection, code)).judgement;
    },
  };
}

const replyCases: Spec[] = [
  replyCase('5.5.1', 'a close frame with no code', undefined),
  replyCase('5.5.1', 'a close frame with 1000', 1000),
  replyCase('5.5.1', 'a close frame with 1000 and the reason "bye"', 1000, 'bye'),
  replyCase(
    '5.5.1',
    'a close frame with 1000 and a 123-byte reason, the longest',
    1000,
    'r'.repeat(123),
  ),
  replyCase('5.5.1', 'a close frame with 1000 and a UTF-8 reason, "κόσμε"', 1000, 'κόσμε'),
  replyCase('5.5.1', 'a close frame with 1000 and a reason', 1000, 'goodbye', BYTE_BY_BYTE),
];

const VALID_CODES = [
  1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 3999, 4000, 4999,
];

const validCodeCases: Spec[] = VALID_CODES.map((code) =>
  replyCase(code < 3000 ? '7.4.1' : '7.4.2', `a close frame with ${describeCode(code)}`, code),
);

// --- §7.4: codes that may not be sent, and close bodies that are not well formed ---

const INVALID_CODES = [0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535];

const CODE_RULE =
  'A close code is one of 1000-1003, 1007-1014 (the RFC and IANA) or 3000-4999 (libraries, applications); 1005, 1006 and 1015 are never sent, the rest are reserved or not used (§7.4.1, §7.4.2). A close frame with another code is a protocol error (1002).';

const invalidCodeCases: Spec[] = INVALID_CODES.map((code) => ({
  section: codeProblem(code)?.section ?? '7.4.2',
  title: `a close frame with ${code}: ${codeProblem(code)?.text ?? ''}`,
  rule: CODE_RULE,
  lesson: LESSON.closeCodes,
  run: async (context: ServerContext) => {
    const connection = await context.open();
    await connection.send(close(code));
    return expectFailure(context, connection, [1002], { probe: false });
  },
}));

const bodyCases: Spec[] = [
  breaks(
    {
      section: '5.5.1',
      title: 'a close frame with a 1-byte body',
      rule: 'A close body is empty, or starts with a 2-byte code (§5.5.1); one byte is a protocol error (1002).',
      lesson: LESSON.closeCodes,
    },
    [{ opcode: Opcode.Close, payload: Buffer.from([0x03]) }],
    [1002],
    { probe: false },
  ),
];

// --- §5.5.1 and §8.1: the reason is UTF-8 ---

const REASON_RULE =
  'After the code, a close body holds a reason in UTF-8 (§5.5.1); a reason that is not valid UTF-8 fails the connection with 1007 (§8.1).';

const reasonCases: Spec[] = [
  { name: 'ff', hex: '62 79 65 ff' },
  { name: 'an overlong form (c0 80)', hex: 'c0 80' },
  { name: 'a surrogate (ed a0 80)', hex: 'ed a0 80' },
  { name: 'U+110000 (f4 90 80 80)', hex: 'f4 90 80 80' },
  { name: 'a character cut short (e2 82)', hex: '61 62 e2 82' },
].map(
  ({ name, hex }): Spec => ({
    section: '5.5.1',
    title: `a close reason that is not UTF-8: ${name}`,
    rule: REASON_RULE,
    lesson: LESSON.closeCodes,
    run: async (context) => {
      const connection = await context.open();
      const payload = Buffer.concat([closePayload(1000), bytes(hex)]);
      await connection.send({ opcode: Opcode.Close, payload });
      const expected = 'a close frame with 1007 (Invalid Payload Data)';
      const happening = await connection.next(context.timeoutMs);
      const actual = describeHappening(happening);
      if (happening.kind === 'close' && happening.code === 1007) return judge.ok(expected, actual);
      if (happening.kind === 'close' && happening.code === 1000) {
        return judge.failed(expected, `${actual}: the reason was taken as valid`);
      }
      if (happening.kind === 'close' || happening.kind === 'closed') {
        return judge.nonStrict(expected, `${actual}: the connection failed, not with 1007`);
      }
      return judge.failed(expected, actual);
    },
  }),
);

// --- §5.5.1 and §1.4: nothing is read after a close frame ---

const AFTER_RULE =
  'A close frame is the last frame of its sender (§5.5.1): what follows it is not read, and after its own close frame a server sends no data (§1.4, §5.5.1).';

/** Sends frames ending with (or holding) a close; the reply must come, and no echo at all. */
function nothingAfter(title: string, frames: FrameSpec[], code: number): Spec {
  return {
    section: '5.5.1',
    title,
    rule: AFTER_RULE,
    lesson: LESSON.closing,
    run: async (context) => {
      const connection = await context.open();
      await connection.send(frames);
      const { judgement } = await expectCloseReply(context, connection, code);
      if (judgement.verdict === 'FAILED') return judgement;
      return nothingMore(context, connection, judgement);
    },
  };
}

/** After the close reply: TCP closes, or nothing comes; a frame more is a failure. */
async function nothingMore(
  context: ServerContext,
  connection: Connection,
  reply: Judgement,
): Promise<Judgement> {
  const after = await connection.next(context.quietMs);
  if (after.kind === 'closed' || after.kind === 'timeout') return reply;
  return judge.failed(
    `${reply.expected}, then nothing more`,
    `after its close frame: ${describeHappening(after)}`,
  );
}

const afterCases: Spec[] = [
  nothingAfter(
    'a close frame, then a text message in the same write',
    [close(1000), { opcode: Opcode.Text, payload: 'too late' }],
    1000,
  ),
  nothingAfter(
    'a close frame in the middle of a fragmented message',
    [
      { opcode: Opcode.Text, payload: 'never ', fin: false },
      close(1000),
      { opcode: Opcode.Continuation, payload: 'finished' },
    ],
    1000,
  ),
  nothingAfter('two close frames in one write: one reply', [close(1000), close(1001)], 1000),
];

// --- §7.1.1: who closes TCP ---

const TCP_RULE =
  '"The underlying TCP connection, in most normal cases, SHOULD be closed first by the server" once the close frames have crossed (§7.1.1). When it does so is its choice: this case reports it.';

/** After a close exchange, does the server close TCP? Reported, never blamed. */
async function serverClosesTcp(
  context: ServerContext,
  connection: Connection,
  expected: string,
): Promise<Judgement> {
  const started = context.log.elapsed;
  if (await connection.whenClosed(context.quietMs)) {
    const ms = Math.round(context.log.elapsed - started);
    return judge.ok(expected, `the server closed TCP ${ms} ms after the close frames`);
  }
  return judge.informational(
    expected,
    `the server had not closed TCP ${context.quietMs / 1000} s after the close frames: it leaves that to the client`,
  );
}

const tcpCases: Spec[] = [
  {
    section: '7.1.1',
    title: 'after the closing handshake, the server closes TCP',
    rule: TCP_RULE,
    lesson: LESSON.closing,
    run: async (context) => {
      const connection = await context.open();
      await connection.send(close(1000));
      const { judgement } = await expectCloseReply(context, connection, 1000);
      if (judgement.verdict === 'FAILED') return judgement;
      return serverClosesTcp(
        context,
        connection,
        'the close frames, then TCP closed by the server',
      );
    },
  },
  {
    section: '7.1.1',
    title: 'after failing a connection and getting the close reply, the server closes TCP',
    rule: TCP_RULE,
    lesson: LESSON.closing,
    run: async (context) => {
      const connection = await context.open();
      await connection.send({ opcode: Opcode.Text, payload: 'rsv', rsv: 0b010 });
      const expected = 'a close frame with 1002, the reply, then TCP closed by the server';
      const happening = await connection.next(context.timeoutMs);
      if (happening.kind !== 'close')
        return judge.informational(expected, describeHappening(happening));
      await connection.send(close(happening.code));
      return serverClosesTcp(context, connection, expected);
    },
  },
  {
    section: '7.1.1',
    title: 'the client ends TCP without a close frame',
    rule: 'A client that ends TCP (a FIN) without a close frame has gone (the connection is closed, 1006 on each side, §7.1.5); the server closes its side too rather than keep a half-open connection.',
    lesson: LESSON.closing,
    run: async (context) => {
      const connection = await context.open();
      connection.end();
      const expected = 'the server closes its side of TCP';
      for (;;) {
        const happening = await connection.next(context.quietMs);
        if (happening.kind === 'close' || happening.kind === 'pong') continue;
        if (happening.kind === 'closed') return judge.ok(expected, 'it did');
        if (happening.kind === 'timeout') {
          return judge.informational(
            expected,
            `it kept its side open for ${context.quietMs / 1000} s and more`,
          );
        }
        return judge.failed(expected, describeHappening(happening));
      }
    },
  },
];

export const closingCases: Spec[] = [
  ...replyCases,
  ...validCodeCases,
  ...invalidCodeCases,
  ...bodyCases,
  ...reasonCases,
  ...afterCases,
  ...tcpCases,
];
