import type { Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { readWebSocketUrl } from '../src/client.ts';
import { ExpectedError } from '../src/errors.ts';
import { webSocketUrl } from '../src/listen.ts';
import { createLog, describeClose, describeMessage, describePeer, oneLine } from '../src/log.ts';
import { readServerOptions } from '../src/options.ts';
import { describeCertificateError, readTlsFiles } from '../src/tls.ts';

/** A socket as far as the address helpers look at it. */
const socketFrom = (remoteAddress: string) => ({ remoteAddress, remotePort: 5 }) as Socket;

/** The one line an ExpectedError would print, and its exit code. */
function failure(run: () => unknown): { message: string; exitCode: number } {
  try {
    run();
  } catch (error) {
    if (error instanceof ExpectedError) return { message: error.message, exitCode: error.exitCode };
    throw error;
  }
  throw new Error('expected an ExpectedError');
}

describe('server options', () => {
  it('takes the exercise default port, and PORT or --port over it (the flag first)', () => {
    expect(readServerOptions('s', 8080, [], {}).port).toBe(8080);
    expect(readServerOptions('s', 8080, [], { PORT: '0' }).port).toBe(0);
    expect(readServerOptions('s', 8080, ['--port', '9'], { PORT: '7' }).port).toBe(9);
  });

  it('turns on --quiet and --trace from flags or QUIET=1 and TRACE=1', () => {
    expect(readServerOptions('s', 1, ['--quiet'], {}).quiet).toBe(true);
    expect(readServerOptions('s', 1, [], { QUIET: '1', TRACE: 'true' })).toMatchObject({
      quiet: true,
      trace: true,
    });
    expect(readServerOptions('s', 1, [], { QUIET: '0' }).quiet).toBe(false);
  });

  it('keeps the frame inspector on unless --no-inspector, INSPECTOR=0 or INSPECTOR=false', () => {
    expect(readServerOptions('s', 1, [], {}).inspector).toBe(true);
    expect(readServerOptions('s', 1, [], { INSPECTOR: '' }).inspector).toBe(true);
    expect(readServerOptions('s', 1, [], { INSPECTOR: '1' }).inspector).toBe(true);
    expect(readServerOptions('s', 1, ['--no-inspector'], {}).inspector).toBe(false);
    expect(readServerOptions('s', 1, [], { INSPECTOR: '0' }).inspector).toBe(false);
    expect(readServerOptions('s', 1, [], { INSPECTOR: 'False' }).inspector).toBe(false);
    expect(readServerOptions('s', 1, ['--no-inspector'], { INSPECTOR: '1' }).inspector).toBe(false);
  });

  it('reads MAX_PAYLOAD, HEARTBEAT_INTERVAL and ALLOWED_ORIGINS', () => {
    const options = readServerOptions('s', 1, [], {
      MAX_PAYLOAD: '1000',
      HEARTBEAT_INTERVAL: '50',
      ALLOWED_ORIGINS: 'https://a.example, https://b.example',
    });
    expect(options.maxPayload).toBe(1000);
    expect(options.heartbeatInterval).toBe(50);
    expect(options.allowedOrigins).toEqual(['https://a.example', 'https://b.example']);
  });

  it('explains a bad value in one line, with exit code 2', () => {
    expect(failure(() => readServerOptions('s', 1, [], { PORT: '70000' }))).toEqual({
      message: 'PORT must be a number from 0 to 65535, not "70000"',
      exitCode: 2,
    });
    expect(failure(() => readServerOptions('s', 1, [], { MAX_PAYLOAD: '-1' })).message).toBe(
      'MAX_PAYLOAD must be a positive whole number, not "-1"',
    );
    expect(failure(() => readServerOptions('s', 1, ['--nope'], {})).exitCode).toBe(2);
  });

  it('needs both --tls-cert and --tls-key, and files that exist', () => {
    expect(failure(() => readTlsFiles('cert.pem', undefined)).message).toBe(
      'wss needs both --tls-cert and --tls-key (TLS_CERT and TLS_KEY)',
    );
    expect(failure(() => readTlsFiles('/no/such.pem', '/no/such-key.pem')).message).toBe(
      'cannot read the TLS certificate /no/such.pem: no such file',
    );
    expect(readTlsFiles(undefined, undefined)).toBeUndefined();
  });
});

describe('client URLs', () => {
  it('takes ws:// and wss:// URLs, IPv6 literals included', () => {
    expect(readWebSocketUrl('wss://[::1]:8443/ws?room=1', '').host).toBe('[::1]:8443');
  });

  it('refuses other schemes, fragments and non-URLs with exit code 2 (RFC 6455 §3)', () => {
    expect(failure(() => readWebSocketUrl('http://localhost/ws', 'x'))).toEqual({
      message: 'a WebSocket URL starts with ws:// or wss://, not "http:"',
      exitCode: 2,
    });
    expect(failure(() => readWebSocketUrl('ws://localhost/ws#top', 'x')).exitCode).toBe(2);
    expect(failure(() => readWebSocketUrl('localhost', 'ws://x/ws')).message).toBe(
      '"localhost" is not a URL; try ws://x/ws',
    );
  });

  it('writes IPv6 addresses in brackets in the URLs it prints', () => {
    expect(webSocketUrl('ws', '::1', 8080)).toBe('ws://[::1]:8080/ws');
    expect(webSocketUrl('wss', 'localhost', 8443)).toBe('wss://localhost:8443/ws');
  });
});

describe('log lines', () => {
  it('shows text as it is, binary as its size', () => {
    expect(describeMessage(Buffer.from('hello'), false)).toBe('hello');
    expect(describeMessage(Buffer.alloc(1024), true)).toBe('1024 bytes (binary)');
  });

  it('keeps a message on one line and cuts a long one after 100 characters', () => {
    expect(describeMessage(Buffer.from('a\nb'), false)).toBe('a\\nb');
    expect(describeMessage(Buffer.from('é'.repeat(150)), false)).toBe(
      `${'é'.repeat(100)}... (300 bytes)`,
    );
  });

  it('quotes a close reason with every control character escaped, DEL and C1 included', () => {
    // JSON.stringify alone escapes ESC but leaves DEL and U+009B (CSI, an escape sequence's start
    // in one character) as they are.
    expect(describeClose(1000, Buffer.from('a"\x1b[2J\x7f\u009b31m'))).toBe(
      'code 1000 (Normal Closure), reason "a\\"\\u001b[2J\\u007f\\u009b31m"',
    );
    expect(describeClose(1001, '')).toBe('code 1001 (Going Away)');
  });

  it('escapes control characters once: what oneLine wrote stays as it is', () => {
    const hostile = 'FAKE\x1b]0;owned\x07\u0085\u009b2J\nnext';
    expect(oneLine(hostile)).toBe('FAKE\\u001b]0;owned\\u0007\\u0085\\u009b2J\\nnext');
    expect(oneLine(oneLine(hostile))).toBe(oneLine(hostile));
    expect(oneLine('héllo 🎉 \\n')).toBe('héllo 🎉 \\n');
  });

  it('prints every server log line escaped, info and event alike, one entry on one line', () => {
    const lines: string[] = [];
    const log = createLog({ quiet: false, log: (line) => lines.push(line) });
    log.info('refused 127.0.0.1:5: origin http://a\u009b2J.example');
    log.event?.('internal error: Error: boom\n    at here');
    expect(lines).toEqual([
      'refused 127.0.0.1:5: origin http://a\\u009b2J.example',
      'internal error: Error: boom\\n    at here',
    ]);
  });

  it('names a peer by address and port, an IPv4-mapped address as IPv4, IPv6 in brackets', () => {
    expect(describePeer(socketFrom('::ffff:127.0.0.1'))).toBe('127.0.0.1:5');
    expect(describePeer(socketFrom('::1'))).toBe('[::1]:5');
    expect(describePeer(socketFrom('::ffff:abcd'))).toBe('[::ffff:abcd]:5');
  });
});

describe('certificate errors', () => {
  const withCode = (code: string, message = code) => Object.assign(new Error(message), { code });

  it('names why a certificate is not trusted', () => {
    expect(describeCertificateError(withCode('CERT_HAS_EXPIRED'))).toBe('it has expired');
    expect(describeCertificateError(withCode('UNABLE_TO_VERIFY_LEAF_SIGNATURE'))).toMatch(
      /signed by a CA this client does not know; trust it with --ca FILE/,
    );
    expect(
      describeCertificateError(
        withCode('ERR_TLS_CERT_ALTNAME_INVALID', "Host: localhost. is not in the cert's altnames"),
      ),
    ).toBe("it is for another host (Host: localhost. is not in the cert's altnames)");
  });

  it('leaves other errors to the caller', () => {
    expect(describeCertificateError(withCode('ECONNREFUSED'))).toBeUndefined();
  });
});
