import { createHash } from 'node:crypto';
import { LESSON } from '../lesson.ts';
import { type CaseSpec, type Judgement, judge } from '../verdict.ts';
import type { Connection } from '../wire/connection.ts';
import { describeHappening } from '../wire/describe.ts';
import { Opcode } from '../wire/frame.ts';
import { acceptFor, randomKey } from '../wire/handshake.ts';
import { escapeText } from '../wire/hex.ts';
import { fieldValues, type RequestHead, tokensOf } from '../wire/http.ts';
import { type ClientContext, type Opened, RESOURCE } from './context.ts';
import {
  combine,
  expectExit,
  expectLineSent,
  expectPong,
  nextEvent,
  PROBE,
  PROBE_FRAME,
  serverCloses,
} from './judge.ts';
import type { ClientProcess } from './process.ts';
import {
  changed,
  offeredExtensions,
  type ResponseSpec,
  requestKey,
  switchingResponse,
} from './response.ts';

type Spec = CaseSpec<ClientContext>;

// --- the upgrade request (§4.1) ---

const REQUEST_RULE =
  'The opening handshake is "a valid HTTP request": "The method of the request MUST be GET, and the HTTP version MUST be at least 1.1", with Host, "Upgrade: websocket", "Connection: Upgrade", a random 16-byte Sec-WebSocket-Key in base64 and "Sec-WebSocket-Version: 13" (§4.1).';

/** A case that reads the client's request and judges one of its rules. */
function requestCase(
  title: string,
  check: (request: RequestHead, context: ClientContext) => Judgement,
  rule = REQUEST_RULE,
): Spec {
  return {
    section: '4.1',
    title,
    rule,
    lesson: LESSON.clientRequest,
    run: async (context) => {
      const { request } = await context.request();
      return check(request, context);
    },
  };
}

/** A header's values, quoted, for `actual`. */
function shown(request: RequestHead, name: string): string {
  const values = fieldValues(request, name);
  if (values.length === 0) return `no ${name} header`;
  return `${name}: ${values.map((value) => `"${escapeText(value, 80)}"`).join(' and ')}`;
}

const requestCases: Spec[] = [
  requestCase('the request line: GET, in HTTP/1.1', (request) => {
    const expected = 'GET ... HTTP/1.1';
    const line = escapeText(request.raw.toString('latin1').split(/\r?\n/)[0] ?? '', 120);
    if (request.method !== 'GET') return judge.failed(expected, `the method is ${line}`);
    if (request.version !== 'HTTP/1.1') return judge.failed(expected, `the version: ${line}`);
    if (request.malformed.length > 0) {
      return judge.nonStrict(
        expected,
        `${line}, but the head is not well formed: ${request.malformed.join('; ')}`,
      );
    }
    return judge.ok(expected, line);
  }),
  requestCase(
    'the request target: the path and query of the URL',
    (request, context) => {
      const expected = `the target ${RESOURCE}, the URL's path and query`;
      const target = escapeText(request.target, 120);
      if (request.target === RESOURCE) return judge.ok(expected, target);
      if (request.target === `http://${context.hostHeader}${RESOURCE}`) {
        return judge.nonStrict(
          expected,
          `${target}: the absolute form, which a client sends to a proxy, not to the server itself (RFC 9112 §3.2.1)`,
        );
      }
      return judge.failed(expected, target);
    },
    'The request target is the /resource name/ of the URL: its path, and its query after a "?" (§3, §4.1: "The "Request-URI" part of the request MUST match the /resource name/").',
  ),
  requestCase(
    'Host: the host and port of the URL',
    (request, context) => {
      const expected = `Host: ${context.hostHeader}`;
      const hosts = fieldValues(request, 'Host');
      if (hosts.length === 1 && hosts[0]?.toLowerCase() === context.hostHeader) {
        return judge.ok(expected, shown(request, 'Host'));
      }
      const without = hosts.length === 1 && hosts[0] === context.hostHeader.replace(/:\d+$/, '');
      return judge.failed(
        expected,
        `${shown(request, 'Host')}${without ? ': the port is left out, and it is not the default port' : ''}`,
      );
    },
    'The request "MUST contain a |Host| header field whose value contains /host/ plus optionally ":" followed by /port/ (when not using the default port)" (§4.1), and only one (RFC 9110 §7.2).',
  ),
  requestCase(
    'Upgrade: websocket',
    (request) => {
      const expected = 'an Upgrade header with the token "websocket"';
      const ok = tokensOf(fieldValues(request, 'Upgrade')).includes('websocket');
      return ok
        ? judge.ok(expected, shown(request, 'Upgrade'))
        : judge.failed(expected, shown(request, 'Upgrade'));
    },
    'The request "MUST contain an |Upgrade| header field whose value MUST include the "websocket" keyword" (§4.1).',
  ),
  requestCase(
    'Connection: Upgrade',
    (request) => {
      const expected = 'a Connection header with the token "Upgrade"';
      const ok = tokensOf(fieldValues(request, 'Connection')).includes('upgrade');
      return ok
        ? judge.ok(expected, shown(request, 'Connection'))
        : judge.failed(expected, shown(request, 'Connection'));
    },
    'The request "MUST contain a |Connection| header field whose value MUST include the "Upgrade" token" (§4.1).',
  ),
  requestCase(
    'Sec-WebSocket-Key: 16 bytes in base64',
    (request) => {
      const expected = 'one Sec-WebSocket-Key: 16 bytes in base64 (24 characters)';
      const keys = fieldValues(request, 'Sec-WebSocket-Key');
      const key = keys[0] ?? '';
      const decoded = Buffer.from(key, 'base64');
      const ok = keys.length === 1 && decoded.length === 16 && decoded.toString('base64') === key;
      return ok
        ? judge.ok(expected, shown(request, 'Sec-WebSocket-Key'))
        : judge.failed(
            expected,
            `${shown(request, 'Sec-WebSocket-Key')}${keys.length === 1 ? `: ${decoded.length} bytes once decoded` : ''}`,
          );
    },
    'The request "MUST include a header field with the name |Sec-WebSocket-Key|. The value of this header field MUST be a nonce consisting of a randomly selected 16-byte value that has been base64-encoded" (§4.1).',
  ),
  requestCase(
    'Sec-WebSocket-Version: 13',
    (request) => {
      const expected = 'Sec-WebSocket-Version: 13';
      const versions = fieldValues(request, 'Sec-WebSocket-Version');
      return versions.length === 1 && versions[0] === '13'
        ? judge.ok(expected, shown(request, 'Sec-WebSocket-Version'))
        : judge.failed(expected, shown(request, 'Sec-WebSocket-Version'));
    },
    'The request "MUST include a header field with the name |Sec-WebSocket-Version|. The value of this header field MUST be 13" (§4.1).',
  ),
  {
    section: '4.1',
    title: 'a fresh key on every connection: three runs, three keys',
    rule: 'The key is "a nonce ... randomly selected" and "MUST be selected randomly for each connection" (§4.1): a fixed key would let a cache or a plain HTTP server replay an old answer.',
    lesson: LESSON.clientRequest,
    run: async (context) => {
      const keys: string[] = [];
      for (let run = 0; run < 3; run++) {
        const { request, process } = await context.request();
        keys.push(requestKey(request));
        // Each run ends before the next starts: one client program at a time.
        await process.stop();
      }
      const expected = 'three different keys';
      const shownKeys = keys.map((key) => `"${escapeText(key, 40)}"`).join(', ');
      return new Set(keys).size === keys.length
        ? judge.ok(expected, shownKeys)
        : judge.failed(expected, `${shownKeys}: the same key twice`);
    },
  },
  {
    section: '4.1',
    title: 'nothing sent before the 101',
    rule: '"Once the client\'s opening handshake has been sent, the client MUST wait for a response from the server before sending any further data" (§4.1). The checker gives it a line to send at once, and waits a moment before its 101.',
    lesson: LESSON.clientRequest,
    run: async (context) => {
      const process = await context.start();
      const line = 'sent once the 101 has come';
      process.writeLine(line);
      const incoming = await context.accept(process);
      const request = await incoming.request(context.timeoutMs);
      const expected = 'nothing from the client between its request and the 101';
      if (typeof request === 'string') return judge.failed('an upgrade request', request);
      if (await incoming.sentEarly(context.quietMs)) {
        return judge.failed(
          expected,
          incoming.ended
            ? 'the client closed TCP before any answer came'
            : `${incoming.earlyBytes} bytes before the 101`,
        );
      }
      const { connection, written } = context.answer(incoming, switchingResponse(request));
      await written;
      const sent = await expectLineSent(context, connection, line);
      return combine(judge.ok(expected, `nothing for ${context.quietMs / 1000} s`), sent);
    },
  },
  requestCase(
    'what else the request offers',
    (request) => {
      const extras = ['Origin', 'Sec-WebSocket-Protocol', 'Sec-WebSocket-Extensions', 'User-Agent']
        .filter((name) => fieldValues(request, name).length > 0)
        .map((name) => shown(request, name));
      return judge.informational(
        'subprotocols, extensions, an Origin: whatever the client chooses to send',
        extras.length > 0 ? extras.join('; ') : 'nothing beyond the headers the handshake needs',
      );
    },
    'A client may offer subprotocols (Sec-WebSocket-Protocol) and extensions (Sec-WebSocket-Extensions), and a browser sends Origin (§4.1); none of them is required. The checker speaks no extension: its 101 takes up none.',
  ),
];

// --- the server's 101, checked by the client (§4.1) ---

const ANSWER_RULE =
  'The client checks the server\'s answer, and "MUST _Fail the WebSocket Connection_" if the status is not 101, if Upgrade is not "websocket" or Connection has no "Upgrade" token (any case), if Sec-WebSocket-Accept is not base64(SHA-1(key + GUID)), or if the answer takes up an extension or a subprotocol the client did not offer (§4.1). Failing it here means closing TCP, sending no frame, and ending with an error.';

/**
 * After a 101 the client must refuse (with the probe ping in the same write): it closes TCP
 * without sending a frame - no pong, no message - and ends with a non-zero exit status and a
 * line that says why.
 */
async function expectRefused(
  context: ClientContext,
  connection: Connection,
  process: ClientProcess,
): Promise<Judgement> {
  const expected = 'the client fails the connection: TCP closed, and no frame sent';
  const happening = await connection.next(context.timeoutMs);
  const actual = describeHappening(happening);
  let wire: Judgement;
  switch (happening.kind) {
    case 'closed':
      wire = judge.ok(expected, 'TCP closed, no frame sent');
      break;
    case 'close':
      wire = judge.nonStrict(
        expected,
        `${actual}: it failed the connection, but with a close frame on a connection that never opened`,
      );
      break;
    case 'pong':
      return judge.failed(expected, `it took the connection: it answered a ping with ${actual}`);
    case 'message':
      return judge.failed(expected, `it took the connection: it sent ${actual}`);
    case 'timeout':
      return judge.failed(expected, `${actual}: the connection is still open`);
    default:
      return judge.failed(expected, actual);
  }
  connection.destroy();
  return combine(wire, await expectExit(context, process, false));
}

/** A case that answers the request with a 101 the client must refuse. */
function refusedAnswer(
  title: string,
  answer: (valid: ResponseSpec, request: RequestHead) => ResponseSpec,
): Spec {
  return {
    section: '4.1',
    title,
    rule: ANSWER_RULE,
    lesson: LESSON.clientAnswer,
    run: async (context) => {
      const { process, incoming, request } = await context.request();
      const response = answer(switchingResponse(request), request);
      const { connection, written } = context.answer(incoming, response, [PROBE_FRAME]);
      await written;
      return expectRefused(context, connection, process);
    },
  };
}

/** The accept value of a server that forgot the GUID: base64(SHA-1(key)). */
function acceptWithoutGuid(request: RequestHead): string {
  return createHash('sha1').update(requestKey(request)).digest('base64');
}

const refusedCases: Spec[] = [
  refusedAnswer('a 101 whose Sec-WebSocket-Accept is computed without the GUID', (valid, request) =>
    changed(valid, 'Sec-WebSocket-Accept', acceptWithoutGuid(request)),
  ),
  refusedAnswer('a 101 whose Sec-WebSocket-Accept answers another key', (valid) =>
    changed(valid, 'Sec-WebSocket-Accept', acceptFor(randomKey())),
  ),
  refusedAnswer('a 101 with no Sec-WebSocket-Accept', (valid) =>
    changed(valid, 'Sec-WebSocket-Accept', undefined),
  ),
  refusedAnswer('a 101 with no Upgrade header', (valid) => changed(valid, 'Upgrade', undefined)),
  refusedAnswer('a 101 with "Upgrade: h2c"', (valid) => changed(valid, 'Upgrade', 'h2c')),
  refusedAnswer('a 101 with no Connection header', (valid) =>
    changed(valid, 'Connection', undefined),
  ),
  refusedAnswer('a 101 with "Connection: keep-alive" (no Upgrade token)', (valid) =>
    changed(valid, 'Connection', 'keep-alive'),
  ),
  refusedAnswer('a 101 that takes up an extension the client did not offer', (valid, request) =>
    changed(
      valid,
      'Sec-WebSocket-Extensions',
      offeredExtensions(request).includes('permessage-deflate')
        ? 'x-conformance-not-offered'
        : 'permessage-deflate',
    ),
  ),
  refusedAnswer('a 101 that selects a subprotocol the client did not offer', (valid) =>
    changed(valid, 'Sec-WebSocket-Protocol', 'x-conformance-not-offered'),
  ),
  // Content-Length: 0 makes the 200 whole: without it, its body would run until TCP closes
  // (RFC 9112 §6.3), and a client reading it would be right to wait.
  refusedAnswer('200 OK with every header of a 101', (valid) => ({
    statusLine: 'HTTP/1.1 200 OK',
    headers: [...valid.headers, ['Content-Length', '0']],
  })),
  {
    section: '4.1',
    title: '403 Forbidden, and TCP closed',
    rule: `${ANSWER_RULE} A refusal is an ordinary HTTP answer: the client reports it, and sends nothing more.`,
    lesson: LESSON.clientAnswer,
    run: async (context) => {
      const { process, incoming } = await context.request();
      const { connection, written } = context.answer(incoming, {
        statusLine: 'HTTP/1.1 403 Forbidden',
        headers: [
          ['Content-Length', '0'],
          ['Connection', 'close'],
        ],
      });
      await written;
      connection.end();
      const expected = 'no frame from the client';
      const happening = await connection.next(context.timeoutMs);
      if (happening.kind !== 'closed' && happening.kind !== 'timeout') {
        return judge.failed(expected, `it sent ${describeHappening(happening)} after a 403`);
      }
      connection.destroy();
      return combine(judge.ok(expected, 'nothing'), await expectExit(context, process, false));
    },
  },
];

/** A 101 the client must take, then the probe: a pong says it took it. */
function acceptedAnswer(
  title: string,
  answer: (valid: ResponseSpec) => ResponseSpec,
  rule: string,
): Spec {
  return {
    section: '4.1',
    title,
    rule,
    lesson: LESSON.clientAnswer,
    run: async (context) => {
      const { incoming, request } = await context.request();
      const { connection, written } = context.answer(incoming, answer(switchingResponse(request)), [
        PROBE_FRAME,
      ]);
      await written;
      const expected = 'the client takes the connection: a pong to the ping after the 101';
      const happening = await nextEvent(connection, context.timeoutMs);
      const actual = describeHappening(happening);
      if (happening.kind === 'pong' && happening.data.equals(PROBE)) {
        return judge.ok(expected, actual);
      }
      if (happening.kind === 'closed' || happening.kind === 'close') {
        return judge.nonStrict(
          expected,
          `${actual}: the client refused a valid 101 - servers that write it so cannot be reached`,
        );
      }
      return judge.failed(expected, `${actual}: the ping was not answered (§5.5.2)`);
    },
  };
}

const acceptedCases: Spec[] = [
  acceptedAnswer(
    'a 101 written differently: names in lower case, "Upgrade: WebSocket", "Connection: upgrade", another reason phrase',
    (valid) => ({
      statusLine: 'HTTP/1.1 101 Web Socket Protocol Handshake',
      headers: valid.headers.map(([name, value]) => {
        const lower = name.toLowerCase();
        if (lower === 'upgrade') return [lower, 'WebSocket'];
        if (lower === 'connection') return [lower, 'upgrade'];
        return [lower, value];
      }),
    }),
    'Header names are case-insensitive (RFC 9110 §5.1), and so are the values the client checks: Upgrade "an ASCII case-insensitive match for the value "websocket"", Connection a token "Upgrade" in any case (§4.1). The reason phrase means nothing (RFC 9112 §4).',
  ),
  acceptedAnswer(
    'a 101 with "Connection: keep-alive, Upgrade" and more headers',
    (valid) => ({
      ...changed(valid, 'Connection', 'keep-alive, Upgrade'),
      headers: [
        ['Server', 'conformance'],
        ['Date', new Date().toUTCString()],
        ...changed(valid, 'Connection', 'keep-alive, Upgrade').headers,
        ['Cache-Control', 'no-cache'],
      ],
    }),
    'Connection is a list: the 101 is right when "Upgrade" is one of its tokens (§4.1, RFC 9110 §7.6.1); headers the client does not know are ignored (RFC 9110 §5.1).',
  ),
  {
    section: '4.1',
    title: 'a ping in the same write as the 101',
    rule: 'What follows the 101 on the connection is WebSocket frames, even in the same TCP segment (§4.1, §4.2.2): a client that drops the bytes read along with the 101 loses them. A ping "MUST" be answered with a pong (§5.5.2).',
    lesson: LESSON.clientAnswer,
    run: async (context) => {
      const payload = Buffer.from('sent with the 101');
      const { connection } = await context.open({
        frames: [{ opcode: Opcode.Ping, payload }],
      });
      return expectPong(context, connection, payload);
    },
  },
];

// --- after the handshake: the client's first message, and a clean end ---

const firstMessageCase: Spec = {
  section: '4.1',
  title: 'a line typed, a message sent; the server closes with 1000, the client exits 0',
  rule: 'Once the 101 is checked, "_The WebSocket Connection is Established_" (§4.1): a line written to the client goes out as a text message; a close with 1000 from the server is answered (§5.5.1) and ends the client cleanly (exit status 0).',
  lesson: LESSON.clientRequest,
  run: async (context) => {
    const opened: Opened = await context.open();
    const line = 'Hello from the client';
    opened.process.writeLine(line);
    const sent = await expectLineSent(context, opened.connection, line);
    if (sent.verdict === 'FAILED') return sent;
    const closed = await serverCloses(context, opened.connection, 1000);
    if (closed.verdict === 'FAILED') return combine(sent, closed);
    return combine(sent, closed, await expectExit(context, opened.process, true));
  },
};

export const handshakeCases: Spec[] = [
  ...requestCases,
  firstMessageCase,
  ...refusedCases,
  ...acceptedCases,
];
