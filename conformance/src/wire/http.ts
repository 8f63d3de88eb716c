/**
 * The HTTP/1.1 the opening handshake is made of (RFC 9112): requests written line by line,
 * exactly as a case wants them (broken ones too), and the server's response head read out of the
 * bytes that arrive, with whatever came after it (the first frames, or a body). In client mode,
 * the other way round: the client's request read, the response written as a case wants it.
 */

/** A request head as a list of lines; headers keep their order, case and repetitions. */
export interface RequestSpec {
  method?: string;
  target?: string;
  version?: string;
  headers: (readonly [string, string])[];
  /** `\r\n` as HTTP asks (RFC 9112 §2.1); a case may use `\n` alone. */
  lineEnd?: string;
  /** Lines written as they are, after the headers (a malformed line, an obs-fold). */
  rawLines?: string[];
}

export function requestBytes(spec: RequestSpec): Buffer {
  const end = spec.lineEnd ?? '\r\n';
  const lines = [
    `${spec.method ?? 'GET'} ${spec.target ?? '/'} ${spec.version ?? 'HTTP/1.1'}`,
    ...spec.headers.map(([name, value]) => `${name}: ${value}`),
    ...(spec.rawLines ?? []),
  ];
  return Buffer.from(`${lines.join(end)}${end}${end}`, 'latin1');
}

/** The most a response head may take before the checker gives up on it. */
export const MAX_RESPONSE_HEAD = 16 * 1024;

export interface ResponseHead {
  /** `HTTP/1.1` */
  version: string;
  status: number;
  reason: string;
  /** Every header line as sent, names as written. */
  headers: [string, string][];
  /** The head as it came, for the wire log. */
  raw: Buffer;
  /** What is malformed in it (each a short sentence), empty for a well-formed head. */
  malformed: string[];
}

/** A client's request head, as client mode reads it. */
export interface RequestHead {
  method: string;
  /** The request target as written: `/ws?x=1`. */
  target: string;
  /** `HTTP/1.1` */
  version: string;
  headers: [string, string][];
  raw: Buffer;
  malformed: string[];
}

/** The most a request head may take before client mode gives up on it. */
export const MAX_REQUEST_HEAD = 16 * 1024;

/**
 * Reads a head - a response's in server mode, a request's in client mode - from chunks of any
 * size: undefined until the blank line that ends it has come; then the head's bytes, and those
 * after it.
 */
class HeadReader {
  #pieces: Buffer[] = [];
  #length = 0;
  readonly #limit: number;

  constructor(limit: number) {
    this.#limit = limit;
  }

  push(chunk: Buffer): { raw: Buffer; rest: Buffer } | 'too-large' | undefined {
    this.#pieces.push(chunk);
    this.#length += chunk.length;
    const all = Buffer.concat(this.#pieces, this.#length);
    this.#pieces = [all];
    const end = all.indexOf('\r\n\r\n');
    // RFC 9112 §2.2 lets a recipient accept a bare LF as a line end; a head ending in LF LF is
    // read too, and reported as malformed.
    const bareEnd = end === -1 ? all.indexOf('\n\n') : -1;
    if (end === -1 && bareEnd === -1) {
      return all.length > this.#limit ? 'too-large' : undefined;
    }
    const headLength = end !== -1 ? end + 4 : bareEnd + 2;
    return { raw: all.subarray(0, headLength), rest: all.subarray(headLength) };
  }
}

/** Reads a client's request head (client mode). */
export class RequestReader {
  readonly #reader = new HeadReader(MAX_REQUEST_HEAD);

  push(chunk: Buffer): { head: RequestHead; rest: Buffer } | 'too-large' | undefined {
    const read = this.#reader.push(chunk);
    if (read === undefined || read === 'too-large') return read;
    const { startLine, headers, malformed } = parseLines(read.raw);
    const match = /^(\S+) (\S+) (HTTP\/\d(?:\.\d)?)$/.exec(startLine);
    if (!match) malformed.push(`the request line is not "METHOD target HTTP/x.y": ${startLine}`);
    return {
      head: {
        method: match?.[1] ?? '',
        target: match?.[2] ?? '',
        version: match?.[3] ?? '',
        headers,
        raw: read.raw,
        malformed,
      },
      rest: read.rest,
    };
  }
}

/**
 * Reads a response head from chunks of any size. Returns undefined until the blank line that
 * ends it has come; then the head, and the bytes after it.
 */
export class ResponseReader {
  readonly #reader = new HeadReader(MAX_RESPONSE_HEAD);

  push(chunk: Buffer): { head: ResponseHead; rest: Buffer } | 'too-large' | undefined {
    const read = this.#reader.push(chunk);
    if (read === undefined || read === 'too-large') return read;
    return { head: parseHead(read.raw), rest: read.rest };
  }
}

function parseHead(raw: Buffer): ResponseHead {
  const { startLine, headers, malformed } = parseLines(raw);
  const match = /^(HTTP\/\d\.\d) (\d{3})(?: (.*))?$/.exec(startLine);
  if (!match) malformed.push(`the status line is not "HTTP/x.y NNN reason": ${startLine}`);
  return {
    version: match?.[1] ?? '',
    status: Number(match?.[2] ?? 0),
    reason: match?.[3] ?? '',
    headers,
    raw,
    malformed,
  };
}

/** A head's first line and its header lines, and what is malformed in them. */
function parseLines(raw: Buffer): {
  startLine: string;
  headers: [string, string][];
  malformed: string[];
} {
  const text = raw.toString('latin1');
  const malformed: string[] = [];
  if (/(^|[^\r])\n/.test(text))
    malformed.push('a line ends with LF alone, not CRLF (RFC 9112 §2.2)');
  const lines = text.split(/\r?\n/);
  const headers: [string, string][] = [];
  for (const line of lines.slice(1)) {
    if (line === '') continue;
    if (/^[ \t]/.test(line)) {
      malformed.push('a header line is folded (obs-fold, RFC 9112 §5.2)');
      const last = headers.at(-1);
      if (last) last[1] = `${last[1]} ${line.trim()}`;
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0 || /\s/.test(line.slice(0, colon))) {
      malformed.push(`a header line is not "name: value": ${line}`);
      continue;
    }
    headers.push([line.slice(0, colon), line.slice(colon + 1).trim()]);
  }
  return { startLine: lines[0] ?? '', headers, malformed };
}

/** Every value of a header (names compare without case, RFC 9110 §5.1). */
export function fieldValues(head: Pick<ResponseHead, 'headers'>, name: string): string[] {
  const wanted = name.toLowerCase();
  return head.headers.filter(([key]) => key.toLowerCase() === wanted).map(([, value]) => value);
}

/** A list header's tokens, lowercased: `keep-alive, Upgrade` -> `keep-alive`, `upgrade`. */
export function tokensOf(values: string[]): string[] {
  return values
    .flatMap((value) => value.split(','))
    .map((token) => token.trim().toLowerCase())
    .filter((token) => token !== '');
}
