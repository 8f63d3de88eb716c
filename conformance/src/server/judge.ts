import { type Judgement, judge } from '../verdict.ts';
import { describeCode } from '../wire/close-codes.ts';
import type { Connection, Happening } from '../wire/connection.ts';
import { describeHappening } from '../wire/describe.ts';
import { Opcode } from '../wire/frame.ts';
import { hex, size } from '../wire/hex.ts';
import { closePayload, type ServerContext } from './context.ts';

/**
 * How the server cases judge what came back. Every wait ends on an event - a frame, TCP closing -
 * or on the timeout, and a case that broke a rule on purpose sends a ping right after: a server
 * that answers it has read on past the broken rule, which shows at once, without waiting for
 * nothing to happen.
 */

/** The ping a case sends after breaking a rule. */
export const PROBE = Buffer.from('probe: still reading?');

/**
 * The probe ping as a frame. It goes in the same write as the broken rule: a server that fails
 * the connection at once and closes TCP while the checker still has bytes to write would make
 * the checker's next write fail, and the close frame waiting to be read would be lost with it.
 */
export const PROBE_FRAME = { opcode: Opcode.Ping, payload: PROBE };

export { describeHappening, sectionRef } from '../wire/describe.ts';

/** Codes, as the expectation names them: `1002 (Protocol Error)` or `1009 ... or 1008 ...`. */
function codesText(codes: number[]): string {
  return codes.map(describeCode).join(' or ');
}

export interface FailureOptions {
  /** Send the probe ping after the broken rule (default true). */
  probe?: boolean;
  /** Other codes that are fine too (a 1009 for a length too big to read, say). */
  alsoOk?: number[];
  /**
   * Payloads of the valid messages and pings the case sent before the broken rule: their echoes
   * and pongs may come first, in order.
   */
  answeredFirst?: Buffer[];
}

/**
 * After the case broke a rule: the server must _Fail the WebSocket Connection_ (§7.1.7) - stop
 * reading, and send a close frame with the code §7.4.1 names (it SHOULD) before closing TCP.
 * - a close frame with the code: OK;
 * - another code, or TCP closed without a close frame: NON-STRICT (the connection did fail);
 * - the server reads on (an echo, a pong to the probe), or nothing happens: FAILED.
 */
export async function expectFailure(
  context: ServerContext,
  connection: Connection,
  codes: number[],
  options: FailureOptions = {},
): Promise<Judgement> {
  const ok = [...codes, ...(options.alsoOk ?? [])];
  const expected = `the server fails the connection: a close frame with ${codesText(codes)}, and nothing read after the broken rule`;
  if (options.probe !== false) await connection.send({ opcode: Opcode.Ping, payload: PROBE });
  const answers = [...(options.answeredFirst ?? [])];
  let happening = await connection.next(context.timeoutMs);
  while (
    (happening.kind === 'message' || happening.kind === 'pong') &&
    answers.length > 0 &&
    Buffer.compare(answers[0]!, happening.data) === 0
  ) {
    answers.shift();
    happening = await connection.next(context.timeoutMs);
  }
  const actual = describeHappening(happening);
  switch (happening.kind) {
    case 'close':
      if (happening.code !== undefined && ok.includes(happening.code)) {
        return judge.ok(expected, actual);
      }
      return judge.nonStrict(expected, `${actual}: the connection failed, with another code`);
    case 'closed':
      return judge.nonStrict(expected, `${actual}: a close frame SHOULD come first (§7.1.7)`);
    case 'message':
    case 'pong':
      return judge.failed(expected, `the server read on past the broken rule: ${actual}`);
    default:
      return judge.failed(expected, actual);
  }
}

/**
 * Valid input that did not come back: what the server's answer means. A close for size (1009,
 * or 1008 as a policy) is the server's limit; 1003 says it does not take that type; a protocol
 * error code for valid input, or TCP cut, is wrong.
 */
export function judgeNoEcho(expected: string, happening: Happening): Judgement {
  const actual = describeHappening(happening);
  if (happening.kind === 'close' && happening.code !== undefined) {
    const code = happening.code;
    if (code === 1009 || code === 1008) {
      return judge.informational(expected, `${actual}: above this server's size limit`);
    }
    if (code === 1003) {
      return judge.unimplemented(expected, `${actual}: the server does not take this type`);
    }
    if (code === 1002 || code === 1007) {
      return judge.failed(expected, `${actual}, for input that breaks no rule`);
    }
    return judge.nonStrict(expected, `${actual} instead of an echo`);
  }
  return judge.failed(expected, actual);
}

/** The text or binary message that should come back, and whether it did, unchanged. */
export async function expectEcho(
  context: ServerContext,
  connection: Connection,
  type: 'text' | 'binary',
  data: Uint8Array,
  options: { timeoutMs?: number; arrived?: (at: number) => void } = {},
): Promise<Judgement> {
  const expected = `the ${type} message of ${size(data.length)} comes back, unchanged`;
  for (;;) {
    const happening = await connection.next(options.timeoutMs ?? context.timeoutMs);
    if (happening.kind === 'pong') continue; // answers to the case's own pings
    if (happening.kind !== 'message') return judgeNoEcho(expected, happening);
    options.arrived?.(happening.at);
    return compareEcho(expected, type, data, happening);
  }
}

export function compareEcho(
  expected: string,
  type: 'text' | 'binary',
  data: Uint8Array,
  echo: Extract<Happening, { kind: 'message' }>,
): Judgement {
  const actual = describeHappening(echo);
  if (echo.type !== type) return judge.failed(expected, `it came back as ${echo.type}: ${actual}`);
  const same = Buffer.compare(Buffer.from(data), echo.data) === 0;
  if (same) {
    return judge.ok(expected, `it came back${echo.frames > 1 ? ` in ${echo.frames} frames` : ''}`);
  }
  return judge.failed(expected, `it came back different: ${difference(data, echo.data)}`);
}

/** Where two payloads first differ, in words. */
export function difference(sent: Uint8Array, got: Uint8Array): string {
  let at = 0;
  while (at < sent.length && at < got.length && sent[at] === got[at]) at++;
  const lengths =
    sent.length === got.length ? '' : ` (${size(got.length)} back for ${size(sent.length)} sent)`;
  return `first at byte ${at}: sent ${hex(Buffer.from(sent.subarray(at, at + 8)))}, got ${hex(got.subarray(at, at + 8)) || 'nothing'}${lengths}`;
}

/** A round trip: send one message whole (masked, as a client must) and expect its echo. */
export async function echoes(
  context: ServerContext,
  connection: Connection,
  type: 'text' | 'binary',
  data: Uint8Array,
): Promise<Judgement> {
  await connection.send({ opcode: type === 'text' ? Opcode.Text : Opcode.Binary, payload: data });
  return expectEcho(context, connection, type, data);
}

/** The pong that answers a ping must carry the ping's bytes (§5.5.2). */
export async function expectPong(
  context: ServerContext,
  connection: Connection,
  data: Uint8Array,
): Promise<Judgement> {
  const expected = `a pong with the ping's ${size(data.length)}`;
  const happening = await connection.next(context.timeoutMs);
  if (happening.kind !== 'pong') return judgeNoEcho(expected, happening);
  if (Buffer.compare(Buffer.from(data), happening.data) === 0) {
    return judge.ok(expected, describeHappening(happening));
  }
  return judge.failed(
    expected,
    `a pong with other bytes (§5.5.2 asks for the same): ${difference(data, happening.data)}`,
  );
}

/** A close frame with this code and reason. */
export function close(code?: number, reason = '') {
  return { opcode: Opcode.Close, payload: closePayload(code, reason) };
}

/** The reply to the case's close frame: a close frame (§5.5.1 MUST), echoing the code. */
export async function expectCloseReply(
  context: ServerContext,
  connection: Connection,
  code: number | undefined,
): Promise<{ judgement: Judgement; happening: Happening }> {
  const expected =
    code === undefined
      ? 'a close frame in reply (§5.5.1), with no code or 1000'
      : `a close frame in reply (§5.5.1), echoing ${describeCode(code)}`;
  for (;;) {
    const happening = await connection.next(context.timeoutMs);
    if (happening.kind === 'pong') continue;
    const actual = describeHappening(happening);
    if (happening.kind === 'close') {
      const echoed = happening.code === code || (code === undefined && happening.code === 1000);
      return {
        happening,
        judgement: echoed
          ? judge.ok(expected, actual)
          : judge.nonStrict(expected, `${actual}: a reply, but it does not echo the code`),
      };
    }
    if (happening.kind === 'message') {
      return {
        happening,
        judgement: judge.failed(expected, `the server read on after the close: ${actual}`),
      };
    }
    return { happening, judgement: judge.failed(expected, actual) };
  }
}
