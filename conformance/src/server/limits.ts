import { LESSON } from '../lesson.ts';
import { type CaseSpec, type Judgement, judge } from '../verdict.ts';
import type { Connection } from '../wire/connection.ts';
import { buildFrame, type FrameSpec, Opcode } from '../wire/frame.ts';
import { randomKey, upgradeHeaders } from '../wire/handshake.ts';
import { escapeText, size } from '../wire/hex.ts';
import type { ServerContext } from './context.ts';
import { describeHappening, expectEcho } from './judge.ts';
import { binaryPayload, textPayload } from './payloads.ts';

type Spec = CaseSpec<ServerContext>;

const MiB = 1024 * 1024;

/** The waits of a timed case: a large message takes longer than --timeout's one answer. */
const LARGE_TIMEOUT_FACTOR = 6;

const SPEED_RULE =
  'No rule: how long a message takes to come back, and whether it comes back at all. A server has a size limit of its own (§10.4: it "MUST protect" itself) and closes with 1009 above it; these cases report what it does.';

/** How a timed echo went: the time, or what the server did instead. */
function judgeTimed(expected: string, judgement: Judgement, bytes: number, ms: number): Judgement {
  if (judgement.verdict !== 'OK') return { ...judgement, expected };
  const perSecond = bytes / (ms / 1000);
  const rate =
    perSecond >= MiB
      ? `${(perSecond / MiB).toFixed(1)} MiB/s`
      : `${(perSecond / 1024).toFixed(1)} KiB/s`;
  return judge.informational(expected, `came back in ${ms.toFixed(0)} ms (${rate} each way)`);
}

function timedEcho(type: 'text' | 'binary', length: number, fragmentSize?: number): Spec {
  const fragments = fragmentSize ? Math.ceil(length / fragmentSize) : 1;
  return {
    section: '10.4',
    title: `a ${type} message of ${size(length)}${fragmentSize ? ` in ${fragments} fragments of ${size(fragmentSize)}` : ''}, timed`,
    rule: SPEED_RULE,
    lesson: LESSON.limits,
    alone: true,
    run: async (context) => {
      const payload = type === 'text' ? textPayload(length) : binaryPayload(length);
      const connection = await context.open();
      const frames: FrameSpec[] = [];
      const step = fragmentSize ?? length;
      for (let offset = 0; offset < length || frames.length === 0; offset += step) {
        frames.push({
          opcode:
            offset === 0 ? (type === 'text' ? Opcode.Text : Opcode.Binary) : Opcode.Continuation,
          payload: payload.subarray(offset, offset + step),
          fin: offset + step >= length,
        });
      }
      // Masked before the clock starts, and the clock stops when the echo's last byte is read:
      // the time is the server's (and the network's), not the checker's.
      const built = frames.map((frame) => buildFrame(frame));
      const started = performance.now();
      await connection.send(built);
      let arrived = Number.NaN;
      const echo = await expectEcho(context, connection, type, payload, {
        timeoutMs: context.timeoutMs * LARGE_TIMEOUT_FACTOR,
        arrived: (at) => {
          arrived = at;
        },
      });
      return judgeTimed(
        `the ${type} message comes back, with its time`,
        echo,
        length,
        arrived - started,
      );
    },
  };
}

const timedCases: Spec[] = [
  timedEcho('binary', 64 * 1024),
  timedEcho('binary', MiB),
  timedEcho('text', MiB),
  timedEcho('binary', 4 * MiB),
  timedEcho('binary', 16 * MiB),
  timedEcho('text', 16 * MiB),
  timedEcho('binary', 16 * MiB, MiB),
  timedEcho('binary', 10_000, 1),
  {
    section: '10.4',
    title: '10,000 messages of 32 bytes in a row, timed',
    rule: SPEED_RULE,
    lesson: LESSON.limits,
    alone: true,
    run: async (context) => {
      const connection = await context.open();
      const count = 10_000;
      const messages = Array.from({ length: count }, (_, i) =>
        Buffer.from(`message ${String(i).padStart(24, '0')}`),
      );
      const expected = `all ${count} messages come back, in order, with the time`;
      let last = Number.NaN;
      const built = messages.map((payload) => buildFrame({ opcode: Opcode.Binary, payload }));
      const started = performance.now();
      await connection.send(built);
      for (const [i, message] of messages.entries()) {
        const happening = await connection.next(context.timeoutMs * LARGE_TIMEOUT_FACTOR);
        if (happening.kind !== 'message' || !happening.data.equals(message)) {
          return judge.failed(expected, `message ${i}: ${describeHappening(happening)}`);
        }
        last = happening.at;
      }
      const ms = last - started;
      return judge.informational(
        expected,
        `in ${ms.toFixed(0)} ms (${Math.round(count / (ms / 1000))} messages/s)`,
      );
    },
  },
];

// --- §10.4: messages above the server's limit ---

const LIMIT_RULE =
  'A server with a size limit refuses a bigger message as soon as it knows - from the length in the header, before storing the payload - with 1009 (Message Too Big), or 1008 (Policy Violation): the RFC allows either (§7.4.1, §10.4).';

/** What a server did with a message above any sensible limit (or just above 16 MiB). */
async function judgeOverLimit(
  connection: Connection,
  waitMs: number,
  expected: string,
  echo?: { type: 'text' | 'binary'; data: Buffer },
): Promise<Judgement> {
  for (;;) {
    const happening = await connection.next(waitMs);
    const actual = describeHappening(happening);
    switch (happening.kind) {
      case 'pong':
        continue;
      case 'close':
        if (happening.code === 1009 || happening.code === 1008) return judge.ok(expected, actual);
        if (happening.code === 1002 || happening.code === 1007) {
          return judge.failed(expected, `${actual}, for a message that breaks no rule`);
        }
        return judge.nonStrict(expected, `${actual}: closed, with another code`);
      case 'closed':
        return judge.nonStrict(expected, `${actual} (§7.1.7: a close frame SHOULD come first)`);
      case 'timeout':
        return judge.informational(
          expected,
          `nothing within ${waitMs / 1000} s: the server reads on, its limit is higher`,
        );
      case 'message':
        if (echo && happening.type === echo.type && happening.data.equals(echo.data)) {
          return judge.informational(expected, `it came back: this server's limit is higher`);
        }
        return judge.failed(expected, actual);
      default:
        return judge.failed(expected, actual);
    }
  }
}

/**
 * A message over the limit goes in two parts: up to a little past the header that takes it over
 * the limit, then - if the server has not reacted - the rest. A server that refuses it from the
 * header does so before the rest is written; one that stores bytes first sees the rest. (A
 * server that closes TCP while a client is still writing makes the client's kernel reset the
 * connection, and the client may never read the close frame: holding back avoids that race for
 * servers that check the header.)
 */
const HELD_AFTER = 64 * 1024;

async function overLimit(
  context: ServerContext,
  connection: Connection,
  frames: FrameSpec[],
  first: number,
  payload: Buffer,
): Promise<Judgement> {
  const expected =
    'a close frame with 1009 (or 1008) once the message passes the limit; the echo if it does not';
  const rest = await connection.sendHeldBack(frames, first);
  const early = await connection.next(context.quietMs);
  if (early.kind !== 'timeout') {
    connection.unread(early);
    return judgeOverLimit(connection, context.timeoutMs, expected);
  }
  await rest();
  return judgeOverLimit(connection, context.timeoutMs * LARGE_TIMEOUT_FACTOR, expected, {
    type: 'binary',
    data: payload,
  });
}

const overLimitCases: Spec[] = [
  {
    section: '10.4',
    title: 'a frame header announcing 1 TiB, with 1 KiB of it',
    rule: LIMIT_RULE,
    lesson: LESSON.limits,
    alone: true,
    run: async (context) => {
      const connection = await context.open();
      // The header, and 1 KiB of the 1 TiB it announces; the rest never comes.
      await connection.send({
        opcode: Opcode.Binary,
        payload: binaryPayload(1024),
        announce: 2n ** 40n,
      });
      return judgeOverLimit(
        connection,
        context.quietMs,
        'a close frame with 1009 (or 1008), from the header alone',
      );
    },
  },
  {
    section: '10.4',
    title: 'a fragmented message whose second fragment announces 1 TiB',
    rule: `${LIMIT_RULE} The limit counts all the fragments of a message together.`,
    lesson: LESSON.limits,
    alone: true,
    run: async (context) => {
      const connection = await context.open();
      await connection.send([
        { opcode: Opcode.Binary, payload: binaryPayload(1024), fin: false },
        { opcode: Opcode.Continuation, payload: binaryPayload(1024), announce: 2n ** 40n },
      ]);
      return judgeOverLimit(
        connection,
        context.quietMs,
        'a close frame with 1009 (or 1008), from the header alone',
      );
    },
  },
  {
    section: '10.4',
    title: "a message of 16 MiB and 1 byte (the project servers' limit is 16 MiB)",
    rule: LIMIT_RULE,
    lesson: LESSON.limits,
    alone: true,
    run: async (context) => {
      const connection = await context.open();
      const payload = binaryPayload(16 * MiB + 1);
      const frame = { opcode: Opcode.Binary, payload };
      return overLimit(context, connection, [frame], 14 + HELD_AFTER, payload);
    },
  },
  {
    section: '10.4',
    title: 'a message of 17 fragments of 1 MiB (16 MiB and more together)',
    rule: `${LIMIT_RULE} The limit counts all the fragments of a message together.`,
    lesson: LESSON.limits,
    alone: true,
    run: async (context) => {
      const connection = await context.open();
      const payload = binaryPayload(17 * MiB);
      const frames = Array.from({ length: 17 }, (_, i) => ({
        opcode: i === 0 ? Opcode.Binary : Opcode.Continuation,
        payload: payload.subarray(i * MiB, (i + 1) * MiB),
        fin: i === 16,
      }));
      // Each 1 MiB fragment has a 14-byte header (the 64-bit length form, and the mask).
      return overLimit(context, connection, frames, 16 * (14 + MiB) + 14 + HELD_AFTER, payload);
    },
  },
  {
    section: 'RFC 9110 5.4',
    title: 'an upgrade request with a 64 KiB header',
    rule: 'A server "that receives a request header field line, field value, or set of fields larger than it wishes to process MUST respond with an appropriate 4xx (Client Error) status code" (RFC 9110 §5.4); 431 says it best.',
    lesson: LESSON.handshake,
    alone: true,
    run: async (context) => {
      const connection = await context.connect();
      const { target } = context.settings;
      const headers = [
        ...upgradeHeaders(target.hostHeader, randomKey()),
        ['X-Conformance', 'a'.repeat(64 * 1024)] as const,
      ];
      await connection.sendRequest({ target: target.path, headers });
      const answer = await connection.next(context.timeoutMs);
      const expected = 'a 4xx (431 is best), or a 101 from a server that takes heads this large';
      if (answer.kind !== 'response') {
        return judge.failed(expected, `${describeHappening(answer)}: a 4xx MUST come`);
      }
      const status = `${answer.head.status} ${escapeText(answer.head.reason)}`;
      if (answer.head.status === 101) return judge.informational(expected, `accepted: ${status}`);
      if (answer.head.status >= 400 && answer.head.status < 500) return judge.ok(expected, status);
      return judge.nonStrict(expected, status);
    },
  },
];

export const limitCases: Spec[] = [...timedCases, ...overLimitCases];
