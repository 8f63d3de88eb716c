import { LESSON } from '../lesson.ts';
import { type CaseSpec, type Judgement, judge } from '../verdict.ts';
import { closePayload, codeProblem, describeCode } from '../wire/close-codes.ts';
import { describeHappening } from '../wire/describe.ts';
import { Opcode } from '../wire/frame.ts';
import type { ClientContext } from './context.ts';
import {
  breaks,
  combine,
  expectExit,
  expectLineSent,
  expectPrinted,
  nextEvent,
  replyToClose,
  serverCloses,
} from './judge.ts';

type Spec = CaseSpec<ClientContext>;

// --- the server closes: the client answers, and ends as its contract says ---

const REPLY_RULE =
  '"If an endpoint receives a Close frame and did not previously send a Close frame, the endpoint MUST send a Close frame in response", typically echoing the code (§5.5.1). A command-line client then exits: status 0 after 1000 (Normal Closure), 1001 (Going Away) or a close frame with no code, another status after any other code, with a line saying why.';

/** The codes after which a client's contract says it exits with status 0. */
const CLEAN_CODES: (number | undefined)[] = [1000, 1001, undefined];

function serverClose(section: string, title: string, code: number | undefined, reason = ''): Spec {
  return {
    section,
    title,
    rule: REPLY_RULE,
    lesson: LESSON.clientClosing,
    run: async (context) => {
      const { connection, process } = await context.open();
      const reply = await serverCloses(context, connection, code, reason);
      if (reply.verdict === 'FAILED') return reply;
      return combine(reply, await expectExit(context, process, CLEAN_CODES.includes(code)));
    },
  };
}

const serverCloseCases: Spec[] = [
  serverClose('5.5.1', 'the server closes with 1000 and the reason "bye"', 1000, 'bye'),
  serverClose('5.5.1', 'the server closes with no code', undefined),
  serverClose('7.4.1', `the server closes with ${describeCode(1001)}`, 1001),
  serverClose('7.4.1', `the server closes with ${describeCode(1002)}`, 1002),
  serverClose('7.4.1', `the server closes with ${describeCode(1011)}`, 1011),
  serverClose('7.4.2', `the server closes with ${describeCode(4000)}`, 4000),
  {
    section: '5.5.1',
    title: 'a message, then the close with 1000',
    rule: `${REPLY_RULE} A message that came before the close frame is delivered.`,
    lesson: LESSON.clientClosing,
    run: async (context) => {
      const { connection, process } = await context.open();
      const last = Buffer.from('the last message');
      await connection.send([
        { opcode: Opcode.Text, payload: last },
        { opcode: Opcode.Close, payload: closePayload(1000) },
      ]);
      // serverCloses sends its own close: here the close went with the message, so read the reply.
      const expected = `a close frame in reply, echoing ${describeCode(1000)}`;
      const happening = await nextEvent(connection, context.timeoutMs);
      const actual = describeHappening(happening);
      const reply =
        happening.kind === 'close'
          ? happening.code === 1000
            ? judge.ok(expected, actual)
            : judge.nonStrict(expected, `${actual}: a reply, but it does not echo the code`)
          : judge.failed(expected, actual);
      if (reply.verdict === 'FAILED') return reply;
      connection.end();
      await connection.whenClosed(context.quietMs);
      connection.destroy();
      return combine(
        await expectPrinted(context, process, last, 'text'),
        reply,
        await expectExit(context, process, true),
      );
    },
  },
];

// --- close frames that are not well formed ---

const CODE_RULE =
  'A close code is one of 1000-1003, 1007-1014 or 3000-4999; 1005, 1006 and 1015 are never sent, the rest are reserved or not used (§7.4.1, §7.4.2). A close frame with another code is a protocol error: the client fails the connection with 1002.';

const invalidCloseCases: Spec[] = [
  ...[1005, 1006, 2999, 5000].map((code) =>
    breaks(
      {
        section: codeProblem(code)?.section ?? '7.4.2',
        title: `a close frame with ${code}: ${codeProblem(code)?.text ?? ''}`,
        rule: CODE_RULE,
        lesson: LESSON.closeCodes,
      },
      [{ opcode: Opcode.Close, payload: closePayload(code) }],
      [1002],
      { probe: false },
    ),
  ),
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
  {
    section: '5.5.1',
    title: 'a close reason that is not UTF-8 (ff)',
    rule: 'After the code, a close body holds a reason in UTF-8 (§5.5.1); a reason that is not valid UTF-8 fails the connection with 1007 (§8.1).',
    lesson: LESSON.closeCodes,
    run: async (context) => {
      const { connection, process } = await context.open();
      const payload = Buffer.concat([closePayload(1000), Buffer.from([0x62, 0x79, 0x65, 0xff])]);
      await connection.send({ opcode: Opcode.Close, payload });
      const expected = 'a close frame with 1007 (Invalid Payload Data)';
      const happening = await nextEvent(connection, context.timeoutMs);
      const actual = describeHappening(happening);
      let wire: Judgement;
      if (happening.kind === 'close' && happening.code === 1007) wire = judge.ok(expected, actual);
      else if (happening.kind === 'close' && happening.code === 1000) {
        return judge.failed(expected, `${actual}: the reason was taken as valid`);
      } else if (happening.kind === 'close' || happening.kind === 'closed') {
        wire = judge.nonStrict(expected, `${actual}: the connection failed, not with 1007`);
      } else return judge.failed(expected, actual);
      await replyToClose(context, connection);
      return combine(wire, await expectExit(context, process, false));
    },
  },
];

// --- the client closes: the end of its input ---

const INPUT_END_RULE =
  'The end of the client\'s input closes the connection: a close frame with 1000 (Normal Closure), after the messages before it (§7.1.2; after its close frame, it "MUST NOT send any further data frames", §5.5.1). Then it waits for the server\'s close frame and for the server to close TCP: "the client SHOULD wait for the server to close the connection" (§7.1.1), and exits with status 0.';

const inputEndCases: Spec[] = [
  {
    section: '7.1.2',
    title: "end of input: two messages, a close with 1000, and a wait for the server's",
    rule: INPUT_END_RULE,
    lesson: LESSON.clientClosing,
    run: async (context) => {
      const { connection, process } = await context.open();
      process.writeLine('one');
      process.writeLine('two');
      process.endInput();
      for (const line of ['one', 'two']) {
        const sent = await expectLineSent(context, connection, line);
        if (sent.verdict !== 'OK') return sent;
      }
      const expected = 'a close frame with 1000 (Normal Closure)';
      const happening = await nextEvent(connection, context.timeoutMs);
      const actual = describeHappening(happening);
      let closing: Judgement;
      if (happening.kind === 'close') {
        closing =
          happening.code === 1000
            ? judge.ok(expected, actual)
            : judge.nonStrict(expected, `${actual}, where the end of input means 1000`);
      } else if (happening.kind === 'closed') {
        closing = judge.nonStrict(expected, `${actual}: a close frame SHOULD come first`);
      } else if (happening.kind === 'timeout') {
        return judge.unimplemented(
          expected,
          `${actual}: the client does not close at the end of its input`,
        );
      } else return judge.failed(expected, actual);
      if (happening.kind === 'closed') return closing;
      // Does it wait for the server's close frame? Seen only if it does not: TCP closed at once.
      const waits = 'the client waits for the close frame of the server';
      const waited = (await connection.whenClosed(context.quietMs))
        ? judge.nonStrict(waits, 'it closed TCP before the close frame of the server came')
        : judge.ok(waits, `it waited (${context.quietMs / 1000} s)`);
      await replyToClose(context, connection);
      return combine(closing, waited, await expectExit(context, process, true));
    },
  },
  {
    section: '7.1.1',
    title: "the server never answers the client's close",
    rule: "After its close frame a client waits for the server's (§7.1.2), but not forever: the RFC sets no time, and a client that waits forever on a server that never answers hangs. The case reports what it does.",
    lesson: LESSON.clientClosing,
    run: async (context) => {
      const { connection, process } = await context.open();
      process.endInput();
      const expected = 'a close frame at the end of input, then TCP closed in time';
      const happening = await nextEvent(connection, context.timeoutMs);
      if (happening.kind === 'timeout') {
        return judge.unimplemented(
          expected,
          `${describeHappening(happening)}: the client does not close at the end of its input`,
        );
      }
      if (happening.kind !== 'close')
        return judge.informational(expected, describeHappening(happening));
      const started = performance.now();
      if (!(await connection.whenClosed(context.timeoutMs))) {
        return judge.informational(
          expected,
          `TCP still open ${context.timeoutMs / 1000} s after its close frame went unanswered`,
        );
      }
      const seconds = ((performance.now() - started) / 1000).toFixed(1);
      const exit = await process.waitForExit(context.timeoutMs);
      return judge.informational(
        expected,
        `it closed TCP ${seconds} s after its close frame went unanswered${exit ? `, and ${exit.code === null ? 'ended' : `exited with status ${exit.code}`}` : ''}`,
      );
    },
  },
];

// --- TCP: who closes it, and a connection lost ---

const tcpCases: Spec[] = [
  {
    section: '7.1.1',
    title: 'the server leaves TCP open after the close frames: the client closes it',
    rule: '"After both sending and receiving a Close message, an endpoint considers the WebSocket connection closed and MUST close the underlying TCP connection" (§5.5.1); the server usually closes first (§7.1.1), but a client does not wait forever. The RFC sets no time: the case reports it.',
    lesson: LESSON.clientClosing,
    run: async (context) => {
      const { connection, process } = await context.open();
      await connection.send({ opcode: Opcode.Close, payload: closePayload(1000) });
      const expected = 'a close frame in reply, then TCP closed by the client';
      const happening = await nextEvent(connection, context.timeoutMs);
      if (happening.kind !== 'close') return judge.failed(expected, describeHappening(happening));
      const started = performance.now();
      const closed = await connection.whenClosed(context.timeoutMs);
      const seconds = ((performance.now() - started) / 1000).toFixed(1);
      const tcp = closed
        ? judge.ok(expected, `it closed TCP ${seconds} s after the close frames`)
        : judge.informational(
            expected,
            `TCP still open ${context.timeoutMs / 1000} s after the close frames (the RFC sets no time)`,
          );
      connection.destroy();
      return combine(tcp, await expectExit(context, process, true));
    },
  },
  {
    section: '7.1.5',
    title: 'TCP closed with no close frame (1006): the client ends with an error',
    rule: 'A connection that ends without a close frame "is considered to be 1006" (§7.1.5, §7.4.1: Abnormal Closure): something went wrong, and a command-line client exits with a non-zero status and a line that says so.',
    lesson: LESSON.clientClosing,
    run: async (context) => {
      const { connection, process } = await context.open();
      connection.end();
      await connection.whenClosed(context.quietMs);
      connection.destroy();
      return expectExit(context, process, false);
    },
  },
];

export const closingCases: Spec[] = [
  ...serverCloseCases,
  ...invalidCloseCases,
  ...inputEndCases,
  ...tcpCases,
];
