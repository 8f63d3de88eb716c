import { LESSON } from '../lesson.ts';
import { type CaseSpec, type Judgement, judge } from '../verdict.ts';
import type { Connection } from '../wire/connection.ts';
import { Opcode } from '../wire/frame.ts';
import { checkSwitch, type Offer, randomKey, upgradeHeaders } from '../wire/handshake.ts';
import { escapeText } from '../wire/hex.ts';
import { fieldValues, type RequestSpec, type ResponseHead, tokensOf } from '../wire/http.ts';
import type { ServerContext } from './context.ts';
import { describeHappening, echoes } from './judge.ts';

type Spec = CaseSpec<ServerContext>;
type Headers = (readonly [string, string])[];

/** A request: headers (from the Host value and a fresh key) and anything else to change. */
interface Request {
  headers: (host: string, key: string) => Headers;
  method?: string;
  /** The request target, made from the URL's path, its host and whether it is wss://. */
  target?: (path: string, host: string, secure: boolean) => string;
  version?: string;
  lineEnd?: string;
  rawLines?: string[];
}

/** The valid headers with one changed, removed (value undefined) or added (name not there). */
function withHeader(name: string, value: string | undefined): Request['headers'] {
  return (host, key) => {
    const headers: Headers = upgradeHeaders(host, key);
    const index = headers.findIndex(([header]) => header.toLowerCase() === name.toLowerCase());
    if (value === undefined) return headers.filter((_, i) => i !== index);
    if (index === -1) return [...headers, [name, value]];
    return headers.map((header, i) => (i === index ? [name, value] : header));
  };
}

/** The valid headers, plus more lines. */
function plus(...more: [string, string][]): Request['headers'] {
  return (host, key) => [...upgradeHeaders(host, key), ...more];
}

async function send(context: ServerContext, request: Request) {
  const connection = await context.connect();
  const { hostHeader, path, secure } = context.settings.target;
  const headers = request.headers(hostHeader, randomKey());
  // The key the request carries (the case may have put its own): the one the 101 answers.
  const key =
    headers.find(([name]) => name.toLowerCase() === 'sec-websocket-key')?.[1]?.trim() ?? '';
  const spec: RequestSpec = {
    method: request.method ?? 'GET',
    target: request.target?.(path, hostHeader, secure) ?? path,
    version: request.version ?? 'HTTP/1.1',
    headers,
    ...(request.lineEnd ? { lineEnd: request.lineEnd } : {}),
    ...(request.rawLines ? { rawLines: request.rawLines } : {}),
  };
  await connection.sendRequest(spec);
  return { connection, key, answer: await connection.next(context.timeoutMs) };
}

// --- requests a server accepts ---

const ACCEPT_RULE =
  'A server accepts a valid upgrade request - a GET over HTTP/1.1 or later with Host, "Upgrade: websocket", "Connection: Upgrade", a 16-byte base64 key and version 13 - however its headers are written (RFC 6455 §4.2.1); its 101 carries Sec-WebSocket-Accept = base64(SHA-1(key + GUID)) (§4.2.2).';

/**
 * The 101, checked; then an echo over the new connection. A refusal is FAILED where a MUST says
 * to accept (`mustAccept`); elsewhere a server may refuse what it likes, and refusing a valid
 * request is NON-STRICT: clients that write it this way cannot connect.
 */
async function judgeAccepted(
  context: ServerContext,
  connection: Connection,
  key: string,
  head: ResponseHead,
  offer: Offer = {},
  mustAccept = false,
): Promise<Judgement> {
  const expected = '101 Switching Protocols with the right Sec-WebSocket-Accept, then an echo';
  if (head.status !== 101) {
    const refused = `refused: ${head.status} ${escapeText(head.reason)}`;
    return mustAccept
      ? judge.failed(expected, refused)
      : judge.nonStrict(
          expected,
          `${refused}, a valid request: clients that write it so cannot connect`,
        );
  }
  const problems = checkSwitch(head, key, offer);
  if (problems.length > 0) {
    return judge.failed(
      expected,
      problems.map((problem) => `${problem.text} (§${problem.section})`).join('; '),
    );
  }
  const greeted = await connection.greeted(context.timeoutMs);
  if (greeted) return judge.failed(expected, `before the greeting: ${describeHappening(greeted)}`);
  const echo = await echoes(context, connection, 'text', Buffer.from('handshake ok'));
  if (echo.verdict !== 'OK') return { ...echo, expected };
  return judge.ok(expected, `101, then the echo`);
}

function accepted(
  title: string,
  request: Request,
  section = '4.2.1',
  rule = ACCEPT_RULE,
  offer?: Offer,
  mustAccept = false,
): Spec {
  return {
    section,
    title,
    rule,
    lesson: LESSON.handshake,
    run: async (context) => {
      const { connection, key, answer } = await send(context, request);
      if (answer.kind !== 'response') {
        return judge.failed('101 Switching Protocols', describeHappening(answer));
      }
      return judgeAccepted(context, connection, key, answer.head, offer, mustAccept);
    },
  };
}

/** The handshake itself: a server that refuses it (or keys like it) refuses every client. */
const BASIC_RULE =
  'The handshake a client sends - a GET over HTTP/1.1 with Host, "Upgrade: websocket", "Connection: Upgrade", a random 16-byte key in base64 and version 13 - is accepted with a 101 whose Sec-WebSocket-Accept is base64(SHA-1(key + GUID)) (§4.2.2).';

const RFC_KEY = 'dGhlIHNhbXBsZSBub25jZQ==';

const acceptedCases: Spec[] = [
  accepted(
    'a valid request, as the RFC writes it',
    { headers: upgradeHeaders },
    '4.2.1',
    BASIC_RULE,
    {},
    true,
  ),
  {
    section: '4.2.2',
    title: `the RFC's key ${RFC_KEY} gets the accept value s3pPLMBiTxaQ9kYGzzhZRbK+xOo=`,
    rule: 'Sec-WebSocket-Accept is base64(SHA-1(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")) (§4.2.2; the worked example of §1.3).',
    lesson: LESSON.handshake,
    run: async (context) => {
      const connection = await context.connect();
      const headers = upgradeHeaders(context.settings.target.hostHeader, RFC_KEY);
      await connection.sendRequest({ target: context.settings.target.path, headers });
      const answer = await connection.next(context.timeoutMs);
      if (answer.kind !== 'response') return judge.failed('101', describeHappening(answer));
      return judgeAccepted(context, connection, RFC_KEY, answer.head, {}, true);
    },
  },
  accepted(
    'a key with "+" and "/" in its base64',
    { headers: withHeader('Sec-WebSocket-Key', '++++////++++////++++/w==') },
    '4.2.2',
    `${BASIC_RULE} Random keys have "+" and "/" in them more often than not.`,
    {},
    true,
  ),
  accepted('Upgrade: WebSocket (another case)', { headers: withHeader('Upgrade', 'WebSocket') }),
  accepted('Upgrade: WEBSOCKET', { headers: withHeader('Upgrade', 'WEBSOCKET') }),
  accepted('Upgrade: websocket, h2c (a list, websocket first)', {
    headers: withHeader('Upgrade', 'websocket, h2c'),
  }),
  accepted('Upgrade: h2c, websocket (a list, websocket last)', {
    headers: withHeader('Upgrade', 'h2c, websocket'),
  }),
  accepted('Connection: upgrade (lower case)', { headers: withHeader('Connection', 'upgrade') }),
  accepted('Connection: keep-alive, Upgrade (as Firefox sends it)', {
    headers: withHeader('Connection', 'keep-alive, Upgrade'),
  }),
  accepted('Connection: Upgrade, keep-alive', {
    headers: withHeader('Connection', 'Upgrade, keep-alive'),
  }),
  accepted('Connection: keep-alive,Upgrade (no space)', {
    headers: withHeader('Connection', 'keep-alive,Upgrade'),
  }),
  accepted(
    'Connection: keep-alive, , Upgrade (an empty list element)',
    { headers: withHeader('Connection', 'keep-alive, , Upgrade') },
    'RFC 9110 5.6.1',
    `${ACCEPT_RULE} "A recipient MUST parse and ignore a reasonable number of empty list elements" (RFC 9110 §5.6.1.2).`,
    {},
    true,
  ),
  accepted(
    'Connection in two header lines, keep-alive then Upgrade',
    {
      headers: (host, key) => [
        ...withHeader('Connection', 'keep-alive')(host, key),
        ['Connection', 'Upgrade'],
      ],
    },
    'RFC 9110 5.3',
    `${ACCEPT_RULE} A list header sent in several lines is one list (RFC 9110 §5.3).`,
  ),
  accepted(
    'header names in lower case',
    { headers: (host, key) => upgradeHeaders(host, key).map(([n, v]) => [n.toLowerCase(), v]) },
    'RFC 9110 5.1',
    `${ACCEPT_RULE} Header names are case-insensitive (RFC 9110 §5.1).`,
  ),
  accepted(
    'header names in upper case',
    { headers: (host, key) => upgradeHeaders(host, key).map(([n, v]) => [n.toUpperCase(), v]) },
    'RFC 9110 5.1',
    `${ACCEPT_RULE} Header names are case-insensitive (RFC 9110 §5.1).`,
  ),
  accepted(
    'the headers in reverse order',
    { headers: (host, key) => upgradeHeaders(host, key).reverse() },
    'RFC 9110 5.3',
    `${ACCEPT_RULE} The order of different headers does not matter (RFC 9110 §5.3).`,
  ),
  accepted(
    'spaces around the header values',
    { headers: (host, key) => upgradeHeaders(host, key).map(([n, v]) => [n, `   ${v}  `]) },
    'RFC 9112 5.1',
    `${ACCEPT_RULE} Whitespace (spaces and tabs) around a field value is not part of it (RFC 9112 §5.1).`,
  ),
  accepted(
    'tabs around the header values',
    { headers: (host, key) => upgradeHeaders(host, key).map(([n, v]) => [n, `\t${v}\t`]) },
    'RFC 9112 5.1',
    `${ACCEPT_RULE} Whitespace (spaces and tabs) around a field value is not part of it (RFC 9112 §5.1).`,
  ),
  accepted('the headers a browser adds (User-Agent, Accept-Encoding, Cache-Control...)', {
    headers: plus(
      ['User-Agent', 'Mozilla/5.0 (conformance)'],
      ['Accept-Encoding', 'gzip, deflate, br'],
      ['Accept-Language', 'en'],
      ['Cache-Control', 'no-cache'],
      ['Pragma', 'no-cache'],
    ),
  }),
  accepted(
    'Sec-WebSocket-Protocol: chat, superchat (the server picks one or none)',
    { headers: plus(['Sec-WebSocket-Protocol', 'chat, superchat']) },
    '4.2.2',
    'A server that takes a subprotocol picks exactly one of those offered, or answers without Sec-WebSocket-Protocol to decline them all (§4.2.2).',
    { protocols: ['chat', 'superchat'] },
  ),
  accepted(
    'the absolute form of the request target, http://host/path',
    {
      headers: upgradeHeaders,
      target: (path, host, secure) => `${secure ? 'https' : 'http'}://${host}${path}`,
    },
    'RFC 9112 3.2',
    `${ACCEPT_RULE} "A server MUST accept the absolute-form in requests" (RFC 9112 §3.2.2).`,
    {},
    true,
  ),
  {
    section: '9.1',
    title: 'an extension that does not exist is declined',
    rule: 'A server answers only with extensions it implements, among those offered (§9.1, §4.2.2); an extension nobody implements never appears in its 101.',
    lesson: LESSON.handshake,
    run: async (context) => {
      const name = 'x-conformance-no-such-extension';
      const { connection, key, answer } = await send(context, {
        headers: plus(['Sec-WebSocket-Extensions', name]),
      });
      if (answer.kind !== 'response') return judge.failed('101', describeHappening(answer));
      if (
        tokensOf(fieldValues(answer.head, 'Sec-WebSocket-Extensions')).some((t) =>
          t.startsWith(name),
        )
      ) {
        return judge.failed(
          'a 101 without that extension',
          `the 101 accepts ${name}, which does not exist`,
        );
      }
      return judgeAccepted(context, connection, key, answer.head, { extensions: [name] });
    },
  },
  {
    section: '9.1',
    title: 'permessage-deflate offered: taken up or declined',
    rule: 'A server may take up an offered extension it implements, or decline it by leaving it out of its 101 (§9.1). The checker speaks no extension: the other cases offer none.',
    lesson: LESSON.handshake,
    run: async (context) => {
      const { connection, key, answer } = await send(context, {
        headers: plus(['Sec-WebSocket-Extensions', 'permessage-deflate; client_max_window_bits']),
      });
      if (answer.kind !== 'response') return judge.failed('101', describeHappening(answer));
      const taken = fieldValues(answer.head, 'Sec-WebSocket-Extensions');
      if (taken.length > 0 && answer.head.status === 101) {
        return judge.informational(
          'a 101, with or without permessage-deflate',
          `the server takes up ${escapeText(taken.join(', '))} (not checked further here)`,
        );
      }
      return judgeAccepted(context, connection, key, answer.head);
    },
  },
  either(
    'an Origin header, as browsers send',
    { headers: plus(['Origin', 'http://conformance.example']) },
    '4.2.1',
    'A server may refuse a browser page from an origin it does not trust, with 403 (§4.2.2, §10.2); otherwise it accepts.',
    [403],
  ),
  either(
    'a query string in the request target',
    {
      headers: upgradeHeaders,
      target: (path) => `${path}${path.includes('?') ? '&' : '?'}conformance=1`,
    },
    '4.2.1',
    "The request target names the endpoint (§4.1); whether a query string changes which one is the server's affair.",
    [400, 404],
  ),
  framesWithRequest(),
];

/**
 * A request a server may take or refuse (its choice): a 101 that works, or one of `refusals`.
 * Either is reported; anything else is judged.
 */
function either(
  title: string,
  request: Request,
  section: string,
  rule: string,
  refusals: number[],
): Spec {
  return {
    section,
    title,
    rule,
    lesson: LESSON.handshake,
    run: async (context) => {
      const { connection, key, answer } = await send(context, request);
      if (answer.kind !== 'response')
        return judge.failed('an HTTP response', describeHappening(answer));
      if (refusals.includes(answer.head.status)) {
        return judge.informational(
          `a 101, or a refusal (${refusals.join(', ')})`,
          `refused: ${answer.head.status} ${escapeText(answer.head.reason)}`,
        );
      }
      return judgeAccepted(context, connection, key, answer.head);
    },
  };
}

/** Frames sent in the same write as the request: the client broke §4.1's MUST; what now? */
function framesWithRequest(): Spec {
  return {
    section: '4.1',
    title: 'a frame sent in the same write as the upgrade request',
    rule: 'A client "MUST wait for a response from the server before sending any further data" (§4.1), but bytes that come early are best read as the first frames; the server may also refuse them, with an error status or by closing TCP. Losing them silently is not ideal.',
    lesson: LESSON.handshake,
    run: async (context) => {
      const first = Buffer.from('sent with the request');
      const expected = 'both messages come back, the early one first; or the early data refused';
      // The greeting may come before the early frame's echo or after it: counted here.
      const connection = await context.connect(false);
      const key = randomKey();
      const { hostHeader, path } = context.settings.target;
      await connection.sendRequest({ target: path, headers: upgradeHeaders(hostHeader, key) }, [
        { opcode: Opcode.Text, payload: first },
      ]);
      const answer = await connection.next(context.timeoutMs);
      // The checker broke §4.1's MUST: refusing the connection, with or without an answer, is
      // the server's right.
      if (answer.kind === 'closed') {
        return judge.informational(
          expected,
          'TCP closed with no HTTP response: the server refused early data',
        );
      }
      if (answer.kind !== 'response') return judge.failed(expected, describeHappening(answer));
      if (answer.head.status !== 101) {
        return judge.informational(
          expected,
          `refused: ${answer.head.status} ${escapeText(answer.head.reason)}: the server refused early data`,
        );
      }
      const problems = checkSwitch(answer.head, key);
      if (problems.length > 0) {
        return judge.failed(
          expected,
          problems.map((problem) => `${problem.text} (§${problem.section})`).join('; '),
        );
      }
      const second = Buffer.from('sent after the 101');
      await connection.send({ opcode: Opcode.Text, payload: second });
      let greetings = context.settings.greeting;
      let sawFirst = false;
      for (;;) {
        const happening = await connection.next(context.timeoutMs);
        if (happening.kind === 'message' && happening.data.equals(first) && !sawFirst) {
          sawFirst = true;
          continue;
        }
        if (happening.kind === 'message' && happening.data.equals(second)) {
          return sawFirst
            ? judge.ok(expected, 'both came back, in order')
            : judge.nonStrict(
                expected,
                'the frame sent with the request was lost; the next one came back',
              );
        }
        if (happening.kind === 'message' && greetings > 0) {
          greetings--;
          continue;
        }
        if (happening.kind === 'close' || happening.kind === 'closed') {
          return judge.informational(
            expected,
            `${describeHappening(happening)}: the server refused early data`,
          );
        }
        return judge.failed(expected, describeHappening(happening));
      }
    },
  };
}

// --- requests a server refuses ---

const REFUSE_RULE =
  'A request that is not a valid WebSocket handshake is refused: "the server MUST stop processing the client\'s handshake and return an HTTP response with an appropriate error code (such as 400 Bad Request)" (§4.2.1).';

interface Refusal {
  /** Statuses that are just right; other 4xx are NON-STRICT. Empty: any 4xx. */
  prefer?: number[];
  /** Any answer but 101 is right (a request that is plain HTTP, not a handshake at all). */
  anyAnswer?: boolean;
  /** Checks on the refusal's headers (§4.2.2's Sec-WebSocket-Version, RFC 9110's Upgrade). */
  check?: (head: ResponseHead) => string | undefined;
}

function refused(
  title: string,
  request: Request,
  section = '4.2.1',
  rule = REFUSE_RULE,
  refusal: Refusal = {},
): Spec {
  return {
    section,
    title,
    rule,
    lesson: LESSON.handshake,
    run: async (context) => {
      const { answer } = await send(context, request);
      const prefer = refusal.prefer ?? [];
      const expected = refusal.anyAnswer
        ? 'any answer but 101'
        : `a refusal${prefer.length ? `: ${prefer.join(' or ')}` : ' with a 4xx status'}`;
      if (answer.kind !== 'response') {
        const actual = describeHappening(answer);
        return answer.kind === 'closed'
          ? judge.failed(expected, `${actual}: an HTTP response MUST come first`)
          : judge.failed(expected, actual);
      }
      const { head } = answer;
      const status = `${head.status} ${escapeText(head.reason)}`;
      if (head.status === 101) return judge.failed(expected, `accepted: ${status}`);
      const problem = refusal.check?.(head);
      if (problem) return judge.failed(expected, `${status}, but ${problem}`);
      if (refusal.anyAnswer) return judge.ok(expected, status);
      if (head.status >= 400 && head.status < 500) {
        if (prefer.length === 0 || prefer.includes(head.status)) return judge.ok(expected, status);
        return judge.nonStrict(expected, `refused with ${status}`);
      }
      if (prefer.includes(head.status)) return judge.ok(expected, status);
      return judge.nonStrict(expected, `${status}: not a 4xx error`);
    },
  };
}

const methodCases: Spec[] = [
  ...['POST', 'PUT', 'DELETE', 'HEAD'].map((method) =>
    refused(
      `the method ${method}`,
      { headers: upgradeHeaders, method },
      '4.2.1',
      `${REFUSE_RULE} "The method of the request MUST be GET" (§4.1); 405 Method Not Allowed says so best.`,
      { prefer: [405, 400] },
    ),
  ),
  refused(
    'the method "get" in lower case',
    { headers: upgradeHeaders, method: 'get' },
    'RFC 9110 9.1',
    'Method names are case-sensitive (RFC 9110 §9.1): "get" is not GET, and the handshake needs GET.',
  ),
  refused(
    'HTTP/1.0',
    { headers: upgradeHeaders, version: 'HTTP/1.0' },
    '4.2.1',
    `${REFUSE_RULE} The handshake is "an HTTP/1.1 or higher GET request" (§4.2.1).`,
    { prefer: [400, 426, 505] },
  ),
];

const HOST_RULE =
  'A server "MUST respond with a 400 (Bad Request) status code to any HTTP/1.1 request message that lacks a Host header field and to any request message that contains more than one Host header field line or a Host header field with an invalid field value" (RFC 9110 §7.2).';

const hostCases: Spec[] = [
  refused('no Host header', { headers: withHeader('Host', undefined) }, 'RFC 9110 7.2', HOST_RULE, {
    prefer: [400],
  }),
  refused(
    'two Host headers with different values',
    { headers: (host, key) => [...upgradeHeaders(host, key), ['Host', otherLoopbackName(host)]] },
    'RFC 9110 7.2',
    HOST_RULE,
    { prefer: [400] },
  ),
  refused(
    'two Host headers with the same value',
    { headers: (host, key) => [...upgradeHeaders(host, key), ['Host', host]] },
    'RFC 9110 7.2',
    HOST_RULE,
    { prefer: [400] },
  ),
  ...['local host', 'localhost:80:80', 'localhost:port', '[::1', 'exa/mple'].map((value) =>
    refused(
      `the Host value "${value}"`,
      { headers: withHeader('Host', value) },
      'RFC 9110 7.2',
      HOST_RULE,
      {
        prefer: [400],
      },
    ),
  ),
];

/**
 * Another name for the same loopback server, with the same port: the second Host of a request
 * that carries two. Both names are loopback, so that a server on loopback that answers only for
 * loopback names (421 for the others) still has only the two Hosts to object to.
 */
function otherLoopbackName(host: string): string {
  const port = /:(\d+)$/.exec(host)?.[1];
  const name = host.replace(/:\d+$/, '').toLowerCase() === '127.0.0.1' ? 'localhost' : '127.0.0.1';
  return port ? `${name}:${port}` : name;
}

/**
 * RFC 9110 §7.4: a server may refuse a request for a host it does not speak for, with 421
 * (Misdirected Request). A server on loopback that answers any Host can be reached by any web
 * page through DNS rebinding, the page's name pointed at 127.0.0.1; refusing names it does not
 * know (421, or 403 or 400) is what keeps them out. Neither answer breaks a rule.
 */
const foreignHostCase: Spec = {
  section: 'RFC 9110 7.4',
  title: 'a Host that names another machine (rebinding.example)',
  rule: 'A server may answer a request for a host it does not speak for with 421 Misdirected Request (RFC 9110 §7.4, §15.5.20); a server on loopback that refuses names other than its own is safe from DNS rebinding. Taking the request is allowed too.',
  lesson: LESSON.handshake,
  run: async (context) => {
    const { connection, key, answer } = await send(context, {
      headers: (host, key) =>
        withHeader('Host', `rebinding.example${/:\d+$/.exec(host)?.[0] ?? ''}`)(host, key),
    });
    const expected = 'a refusal (421, or 403 or 400), or a 101 that works';
    if (answer.kind !== 'response') return judge.failed(expected, describeHappening(answer));
    const { head } = answer;
    const status = `${head.status} ${escapeText(head.reason)}`;
    if (head.status >= 400 && head.status < 500) {
      return judge.ok(expected, `refused: ${status}`);
    }
    if (head.status !== 101) return judge.nonStrict(expected, `${status}: not a 4xx refusal`);
    const accepted = await judgeAccepted(context, connection, key, head);
    if (accepted.verdict !== 'OK') return accepted;
    return judge.informational(
      expected,
      'accepted: a server on loopback that answers any Host can be reached from a web page through DNS rebinding',
    );
  },
};

const UPGRADE_RULE = `${REFUSE_RULE} The request carries "Upgrade: websocket" and a Connection header with the token "Upgrade" (§4.2.1); without them it is not a WebSocket handshake at all, and any answer but 101 will do.`;

const tokenCases: Spec[] = [
  refused(
    'no Upgrade header',
    { headers: withHeader('Upgrade', undefined) },
    '4.2.1',
    UPGRADE_RULE,
    { anyAnswer: true },
  ),
  ...['websocket2', 'h2c', 'web socket'].map((value) =>
    refused(`Upgrade: ${value}`, { headers: withHeader('Upgrade', value) }, '4.2.1', UPGRADE_RULE, {
      anyAnswer: true,
    }),
  ),
  refused(
    'no Connection header',
    { headers: withHeader('Connection', undefined) },
    '4.2.1',
    UPGRADE_RULE,
    { anyAnswer: true },
  ),
  ...['keep-alive', 'close', 'Upgraded', 'Up grade'].map((value) =>
    refused(
      `Connection: ${value}`,
      { headers: withHeader('Connection', value) },
      '4.2.1',
      UPGRADE_RULE,
      { anyAnswer: true },
    ),
  ),
];

const KEY_RULE = `${REFUSE_RULE} Sec-WebSocket-Key is "a randomly selected 16-byte value that has been base64-encoded" (§4.1), sent once: 24 characters ending in "==".`;

const keyCases: Spec[] = [
  refused(
    'no Sec-WebSocket-Key',
    { headers: withHeader('Sec-WebSocket-Key', undefined) },
    '4.2.1',
    KEY_RULE,
    { prefer: [400] },
  ),
  ...[
    { what: 'an empty key', value: '' },
    { what: 'a key of 15 bytes', value: Buffer.alloc(15, 7).toString('base64') },
    { what: 'a key of 17 bytes', value: Buffer.alloc(17, 7).toString('base64') },
    { what: 'a key that is not base64', value: 'this is not base64!!!!==' },
    { what: 'the key without its "=="', value: RFC_KEY.slice(0, -2) },
  ].map(({ what, value }) =>
    refused(what, { headers: withHeader('Sec-WebSocket-Key', value) }, '4.2.1', KEY_RULE, {
      prefer: [400],
    }),
  ),
  refused(
    'two Sec-WebSocket-Key headers',
    { headers: plus(['Sec-WebSocket-Key', randomKey()]) },
    '4.2.1',
    KEY_RULE,
    { prefer: [400] },
  ),
];

const VERSION_RULE =
  'The version is 13. For another one, the server "MUST abort the WebSocket handshake ... and instead send an appropriate HTTP error code (such as 426 Upgrade Required) and a |Sec-WebSocket-Version| header field indicating the version(s) the server is capable of understanding" (§4.2.2, §4.4). 426 or 400 (the status of §4.4\'s own example) are both right; the header is what matters.';

/** A refusal of a version must say which versions the server speaks. */
function namesVersion13(head: ResponseHead): string | undefined {
  const versions = tokensOf(fieldValues(head, 'Sec-WebSocket-Version'));
  return versions.includes('13') ? undefined : 'no Sec-WebSocket-Version: 13 in it (§4.2.2 MUST)';
}

const versionCases: Spec[] = [
  refused(
    'no Sec-WebSocket-Version',
    { headers: withHeader('Sec-WebSocket-Version', undefined) },
    '4.2.1',
    `${REFUSE_RULE} The request MUST carry Sec-WebSocket-Version (§4.1).`,
    { prefer: [400, 426] },
  ),
  ...['0', '7', '12', '14', '99', '13, 8', 'thirteen'].map((value) =>
    refused(
      `Sec-WebSocket-Version: ${value}`,
      { headers: withHeader('Sec-WebSocket-Version', value) },
      '4.4',
      VERSION_RULE,
      { prefer: [426, 400], check: namesVersion13 },
    ),
  ),
  {
    section: '4.4',
    title: 'Sec-WebSocket-Version: 8 (a draft of the protocol)',
    rule: `${VERSION_RULE} A server may speak more versions than 13 (§4.4).`,
    lesson: LESSON.handshake,
    run: async (context) => {
      const { answer } = await send(context, { headers: withHeader('Sec-WebSocket-Version', '8') });
      const expected =
        '426 or 400 with Sec-WebSocket-Version: 13, or a 101 from a server that speaks version 8 too';
      if (answer.kind !== 'response') return judge.failed(expected, describeHappening(answer));
      const { head } = answer;
      if (head.status === 101)
        return judge.informational(expected, 'the server speaks version 8 too');
      const problem = namesVersion13(head);
      if (problem) return judge.failed(expected, `${head.status}, but ${problem}`);
      return head.status === 426 || head.status === 400
        ? judge.ok(expected, `${head.status}, naming version 13`)
        : judge.nonStrict(expected, `${head.status}, naming version 13`);
    },
  },
];

/** RFC 9110 §15.5.22: "The server MUST send an Upgrade header field in a 426 response". */
function upgradeIn426(head: ResponseHead): string | undefined {
  if (head.status !== 426) return undefined;
  return fieldValues(head, 'Upgrade').length > 0 ? undefined : 'the 426 has no Upgrade header';
}

const RULE_426 =
  'A 426 (Upgrade Required) names the protocol to switch to: "The server MUST send an Upgrade header field in a 426 response to indicate the required protocol(s)" (RFC 9110 §15.5.22).';

const status426Cases: Spec[] = [
  refused(
    'a plain GET of the endpoint, with no upgrade headers',
    { headers: (host) => [['Host', host]] },
    'RFC 9110 15.5.22',
    RULE_426,
    { anyAnswer: true, check: upgradeIn426 },
  ),
  refused(
    'Sec-WebSocket-Version: 12, and the 426 that refuses it',
    { headers: withHeader('Sec-WebSocket-Version', '12') },
    'RFC 9110 15.5.22',
    RULE_426,
    { anyAnswer: true, check: upgradeIn426 },
  ),
];

const SYNTAX_RULE =
  'An HTTP request is lines of "name: value" ending in CRLF (RFC 9112 §2, §5); a request that is not well formed is refused with 400, and never upgraded.';

const syntaxCases: Spec[] = [
  refused(
    'a space between a header name and its colon ("Upgrade : websocket")',
    {
      headers: (host, key) =>
        upgradeHeaders(host, key).map(([n, v]) => [n === 'Upgrade' ? 'Upgrade ' : n, v]),
    },
    'RFC 9112 5.1',
    'A server "MUST reject, with a response status code of 400 (Bad Request), any received request message that contains whitespace between a header field name and colon" (RFC 9112 §5.1).',
    { prefer: [400] },
  ),
  refused(
    'a header line with no colon',
    { headers: upgradeHeaders, rawLines: ['Conformance no colon here'] },
    'RFC 9112 5.1',
    SYNTAX_RULE,
  ),
  refused(
    'a request line with a fourth part ("GET /ws HTTP/1.1 extra")',
    { headers: upgradeHeaders, version: 'HTTP/1.1 extra' },
    'RFC 9112 2.2',
    SYNTAX_RULE,
  ),
  eitherSyntax(
    'a header folded onto a second line (obs-fold)',
    { headers: upgradeHeaders, rawLines: ['X-Conformance: folded', ' onto two lines'] },
    'RFC 9112 5.2',
    'A server that receives an obs-fold "MUST either reject the message by sending a 400 (Bad Request)... or replace each received obs-fold with one or more SP octets" (RFC 9112 §5.2).',
  ),
  eitherSyntax(
    'a NUL byte in a header value',
    { headers: plus(['X-Conformance', 'a\u0000b']) },
    'RFC 9112 5.1',
    'Field values with CR, LF or NUL "are invalid and dangerous": a recipient "MUST either reject the message or replace each of those characters with SP" (RFC 9110 §5.5).',
  ),
  {
    section: 'RFC 9112 2.2',
    title: 'lines ending in LF alone, not CRLF',
    rule: 'HTTP lines end in CRLF; "a recipient MAY recognize a single LF as a line terminator" (RFC 9112 §2.2): accepting or refusing is the server\'s choice.',
    lesson: LESSON.handshake,
    run: async (context) => {
      const { connection, key, answer } = await send(context, {
        headers: upgradeHeaders,
        lineEnd: '\n',
      });
      const expected = 'a 101 that works, or a 400';
      if (answer.kind !== 'response') return judge.failed(expected, describeHappening(answer));
      if (answer.head.status === 400) return judge.informational(expected, 'refused with 400');
      const accepted = await judgeAccepted(context, connection, key, answer.head);
      if (accepted.verdict !== 'OK') return accepted;
      return judge.informational(expected, 'accepted: 101, then the echo');
    },
  },
];

/** A malformed request the server may reject (400) or repair and accept: both are right. */
function eitherSyntax(title: string, request: Request, section: string, rule: string): Spec {
  return {
    section,
    title,
    rule,
    lesson: LESSON.handshake,
    run: async (context) => {
      const { connection, key, answer } = await send(context, request);
      const expected = 'a 400, or a 101 that works';
      if (answer.kind !== 'response') return judge.failed(expected, describeHappening(answer));
      if (answer.head.status === 400) return judge.ok(expected, '400');
      if (answer.head.status !== 101) {
        return judge.nonStrict(expected, `${answer.head.status} ${escapeText(answer.head.reason)}`);
      }
      return judgeAccepted(context, connection, key, answer.head);
    },
  };
}

export const handshakeCases: Spec[] = [
  ...acceptedCases,
  ...methodCases,
  ...hostCases,
  foreignHostCase,
  ...tokenCases,
  ...keyCases,
  ...versionCases,
  ...status426Cases,
  ...syntaxCases,
];
