import { type CaseSpec, type Judgement, judge, type Verdict } from '../verdict.ts';
import { closePayload, describeCode, isSendableCode } from '../wire/close-codes.ts';
import type { Connection, Happening } from '../wire/connection.ts';
import { describeHappening } from '../wire/describe.ts';
import { type FrameSpec, Opcode } from '../wire/frame.ts';
import { escapeText, preview, size } from '../wire/hex.ts';
import { type Chunking, WHOLE } from '../wire/pieces.ts';
import type { ClientContext, Opened } from './context.ts';
import { type ClientProcess, describeExit } from './process.ts';

/**
 * How the client cases judge what a client did: on the wire, by RFC 6455 (its MUSTs FAILED, its
 * SHOULDs NON-STRICT), and how it ended, by the contract of a command-line client that
 * `--client` checks - the one this lesson's clients, wscat and most others keep:
 *
 * - each line written to its input is sent as one text message, and the end of its input closes
 *   the connection with 1000 (a client that does not take its input from stdin gets
 *   UNIMPLEMENTED where a case needs it to);
 * - it exits with status 0 after a clean close - its own, or the server's with 1000, 1001 or no
 *   code - and with another status otherwise, printing one readable line that says why: on
 *   stderr, or as its last line of output. Not kept: NON-STRICT, since no RFC is at stake.
 */

/** The ping a case sends after breaking a rule (in the same write): answered, it was read on. */
export const PROBE = Buffer.from('probe: still reading?');
export const PROBE_FRAME: FrameSpec = { opcode: Opcode.Ping, payload: PROBE };

/** Verdicts from the best to the worst, for a case judged on several counts. */
const RANK: Record<Verdict, number> = {
  OK: 0,
  INFORMATIONAL: 1,
  UNIMPLEMENTED: 2,
  'NON-STRICT': 3,
  FAILED: 4,
};

/** Several judgements of one case as one: the worst verdict, every expectation and outcome. */
export function combine(...judgements: Judgement[]): Judgement {
  const worst = judgements.reduce((a, b) => (RANK[b.verdict] > RANK[a.verdict] ? b : a));
  return {
    verdict: worst.verdict,
    expected: judgements.map((judgement) => judgement.expected).join('; then '),
    actual: judgements.map((judgement) => judgement.actual).join('; then '),
  };
}

/**
 * The next happening that is not a message of the client's own: a client that says hello on a
 * timer (the `ws` client exercise) sends messages nobody asked for, which no case is about.
 */
export async function nextEvent(connection: Connection, ms: number): Promise<Happening> {
  const deadline = performance.now() + ms;
  for (;;) {
    const happening = await connection.next(Math.max(0, deadline - performance.now()));
    if (happening.kind === 'timeout') return { kind: 'timeout', ms };
    if (happening.kind !== 'message') return happening;
  }
}

/** Lines that show a program crashed rather than said why: a stack trace. */
const STACK_TRACE = /^\s+at\s|^Traceback \(most recent call last\)|^goroutine \d+ \[|^panic: /;

/**
 * How the program ended, against the contract: exit status 0 after a clean close, another
 * status after anything else, with one readable line on stderr.
 */
export async function expectExit(
  context: ClientContext,
  process: ClientProcess,
  clean: boolean,
): Promise<Judgement> {
  const expected = clean
    ? 'the client exits with status 0'
    : 'the client exits with a non-zero status and one line that says why';
  const exit = await process.waitForExit(context.timeoutMs);
  if (!exit) {
    return judge.nonStrict(
      expected,
      `the client is still running ${context.timeoutMs / 1000} s after its connection ended`,
    );
  }
  // The line that says why: on stderr, where errors go; a client that reports the server's
  // reason as ordinary output (native-client: "server closed the connection: 1011 ...") has it
  // as its last line on stdout.
  const errors = process.errorLines.filter((line) => line.trim() !== '');
  const lastOutput = process.lines.filter((line) => line.text.trim() !== '').at(-1)?.text;
  const lines = errors.length > 0 ? errors : lastOutput !== undefined ? [lastOutput] : [];
  const said = lines[0] === undefined ? '' : `: "${escapeText(lines[0], 160)}"`;
  if (clean) {
    return exit.code === 0
      ? judge.ok(expected, 'exit status 0')
      : judge.nonStrict(expected, `it ${describeExit(exit)}${said} after a clean close`);
  }
  if (exit.code === 0) {
    return judge.nonStrict(
      expected,
      `exit status 0${said}: a script cannot tell this failure from a clean close`,
    );
  }
  if (lines.length === 0) {
    return judge.nonStrict(expected, `it ${describeExit(exit)}, with no line saying why`);
  }
  if (lines.some((line) => STACK_TRACE.test(line))) {
    return judge.nonStrict(
      expected,
      `it ${describeExit(exit)}, printing a stack trace (${lines.length} lines) rather than one line${said}`,
    );
  }
  return judge.ok(expected, `it ${describeExit(exit)}${said}`);
}

/**
 * The checker's side of a close the client started (§5.5.1): a close frame in reply, echoing the
 * client's code when a close frame may carry it, then TCP closed - the server closes first
 * (§7.1.1).
 */
export async function replyToClose(context: ClientContext, connection: Connection): Promise<void> {
  if (connection.tcpClosed) return;
  if (!connection.closeSent && connection.closeReceived) {
    const code = connection.closeCode;
    await connection.send({
      opcode: Opcode.Close,
      payload: closePayload(code !== undefined && isSendableCode(code) ? code : undefined),
    });
  }
  connection.end();
  await connection.whenClosed(context.quietMs);
  connection.destroy();
}

/**
 * After the case broke a rule (with the probe ping in the same write): the client must _Fail the
 * WebSocket Connection_ (§7.1.7) - stop reading, send a close frame with the code the RFC names
 * (it SHOULD), and end with a non-zero exit status.
 * - a close frame with one of `codes`: OK; another code, or TCP closed with no close frame:
 *   NON-STRICT (the connection did fail);
 * - a pong to the probe (the client read on past the broken rule), or nothing at all: FAILED.
 */
export async function expectClientFailure(
  context: ClientContext,
  { connection, process }: Opened,
  codes: number[],
): Promise<Judgement> {
  const expected = `the client fails the connection: a close frame with ${codes.map(describeCode).join(' or ')}, nothing read after the broken rule`;
  let happening = await nextEvent(connection, context.timeoutMs);
  while (happening.kind === 'pong' && !happening.data.equals(PROBE)) {
    happening = await nextEvent(connection, context.timeoutMs);
  }
  const actual = describeHappening(happening);
  let wire: Judgement;
  switch (happening.kind) {
    case 'close':
      wire =
        happening.code !== undefined && codes.includes(happening.code)
          ? judge.ok(expected, actual)
          : judge.nonStrict(expected, `${actual}: the connection failed, with another code`);
      break;
    case 'closed':
      wire = judge.nonStrict(expected, `${actual}: a close frame SHOULD come first (§7.1.7)`);
      break;
    case 'pong':
      return judge.failed(expected, `the client read on past the broken rule: ${actual}`);
    case 'timeout':
      return judge.failed(expected, `${actual}: the connection is still open`);
    default:
      return judge.failed(expected, actual);
  }
  await replyToClose(context, connection);
  return combine(wire, await expectExit(context, process, false));
}

/**
 * A line written to the client's input must go out as one text message with that text. Another
 * message instead means the client does not send its input (UNIMPLEMENTED: the contract's, not
 * the RFC's).
 */
export async function expectLineSent(
  context: ClientContext,
  connection: Connection,
  line: string,
): Promise<Judgement> {
  const expected = `a text message "${escapeText(line, 60)}" (the line written to the client's input)`;
  for (;;) {
    const happening = await connection.next(context.timeoutMs);
    if (happening.kind === 'pong') continue;
    const actual = describeHappening(happening);
    if (happening.kind === 'message') {
      if (happening.type === 'text' && happening.data.toString('utf8') === line) {
        return judge.ok(expected, actual);
      }
      return judge.unimplemented(
        expected,
        `${actual}: not the line it was given - the client does not send its input lines`,
      );
    }
    if (happening.kind === 'timeout') {
      return judge.unimplemented(
        expected,
        `${actual}: the client does not send the lines written to its input`,
      );
    }
    return judge.failed(expected, actual);
  }
}

/**
 * The pong that answers the case's ping, with the same payload (§5.5.2 MUST). The client's own
 * messages are let by.
 */
export async function expectPong(
  context: ClientContext,
  connection: Connection,
  data: Uint8Array,
): Promise<Judgement> {
  const expected = `a pong with the ping's ${size(data.length)} (§5.5.2)`;
  const happening = await nextEvent(connection, context.timeoutMs);
  const actual = describeHappening(happening);
  if (happening.kind === 'close' || happening.kind === 'closed') {
    return judge.failed(
      expected,
      `${actual}: the client ended the connection, over frames that break no rule`,
    );
  }
  if (happening.kind !== 'pong') {
    return judge.failed(expected, `${actual}: the ping was not answered`);
  }
  if (Buffer.compare(Buffer.from(data), happening.data) === 0) return judge.ok(expected, actual);
  return judge.failed(expected, `a pong with other bytes (§5.5.2 asks for the same): ${actual}`);
}

/**
 * What the client printed for a message the checker sent: by the contract, each message whole
 * on one line. Printing is the program's affair, not the RFC's: not finding it is INFORMATIONAL.
 */
export async function expectPrinted(
  context: ClientContext,
  process: ClientProcess,
  data: Buffer,
  type: 'text' | 'binary',
): Promise<Judgement> {
  const forms = printedForms(data, type);
  const expected = `the client prints the ${type} message whole, on one line`;
  const line = await process.waitForLine(
    (output) => forms.some((form) => normalize(output.text).includes(form)),
    context.quietMs,
  );
  if (line) return judge.ok(expected, `printed: "${escapeText(line.text, 100)}"`);
  return judge.informational(
    expected,
    `no line of its output holds the ${size(data.length)} ${escapeText(preview(data))} (printing is the program's affair)`,
  );
}

/**
 * The ways a program may print a message, each as `normalize` leaves it: text as it is; binary
 * as hex (with or without spaces, any case), Python's `b'\x00...'`, base64, or a list of
 * decimal numbers (Go's `[0 1 2]`).
 */
function printedForms(data: Buffer, type: 'text' | 'binary'): string[] {
  if (type === 'text') return [data.toString('utf8')];
  const hexDigits = data.toString('hex');
  return [hexDigits, data.toString('base64'), `[${Array.from(data).join(' ')}]`];
}

/** A line as printedForms compares it: hex runs and `\xNN` escapes joined up, lowercased. */
function normalize(line: string): string {
  const joined = line.replace(/\\x([0-9a-fA-F]{2})/g, '$1');
  // Hex pairs separated by spaces or colons, as most programs print bytes, become one run.
  return `${line} ${joined.replace(/\b([0-9a-fA-F]{2})[ :](?=[0-9a-fA-F]{2}\b)/g, '$1').toLowerCase()}`;
}

/**
 * The checker closes (as a server): a close frame with `code`, the client's reply awaited and
 * checked (§5.5.1 MUST; echoing the code is what the RFC expects, another code NON-STRICT), then
 * TCP closed by the checker, server first (§7.1.1).
 */
export async function serverCloses(
  context: ClientContext,
  connection: Connection,
  code: number | undefined,
  reason = '',
): Promise<Judgement> {
  await connection.send({ opcode: Opcode.Close, payload: closePayload(code, reason) });
  const expected =
    code === undefined
      ? 'a close frame in reply (§5.5.1), with no code or 1000'
      : `a close frame in reply (§5.5.1), echoing ${describeCode(code)}`;
  const happening = await nextEvent(connection, context.timeoutMs);
  const actual = describeHappening(happening);
  let judgement: Judgement;
  if (happening.kind === 'close') {
    const echoed = happening.code === code || (code === undefined && happening.code === 1000);
    judgement = echoed
      ? judge.ok(expected, actual)
      : judge.nonStrict(expected, `${actual}: a reply, but it does not echo the code`);
  } else {
    judgement = judge.failed(expected, actual);
  }
  connection.end();
  await connection.whenClosed(context.quietMs);
  connection.destroy();
  return judgement;
}

/** What a case is, apart from how it runs. */
export type CaseHead = Pick<CaseSpec<ClientContext>, 'section' | 'title' | 'rule' | 'lesson'>;

/**
 * A case that breaks a rule: the frames (the probe ping after them, in the same write), and
 * the close codes that are right for the failure.
 */
export function breaks(
  head: CaseHead,
  frames: FrameSpec[],
  codes: number[],
  options: { probe?: boolean } = {},
): CaseSpec<ClientContext> {
  return {
    ...head,
    run: async (context) => {
      const opened = await context.open();
      await opened.connection.send(options.probe === false ? frames : [...frames, PROBE_FRAME]);
      return expectClientFailure(context, opened, codes);
    },
  };
}

/**
 * A case that sends valid frames holding one message (and the probe ping after them, in the
 * same write or the same pieces): the client reads on - a pong to the probe - and prints the
 * message whole.
 */
export function delivers(
  head: CaseHead,
  frames: FrameSpec[],
  message: { type: 'text' | 'binary'; data: Buffer } | undefined,
  chunking: Chunking = WHOLE,
): CaseSpec<ClientContext> {
  return {
    ...head,
    run: async (context) => {
      const { connection, process } = await context.open();
      await connection.send([...frames, PROBE_FRAME], chunking);
      const read = await expectPong(context, connection, PROBE);
      if (read.verdict !== 'OK' || !message) return read;
      return combine(read, await expectPrinted(context, process, message.data, message.type));
    },
  };
}
