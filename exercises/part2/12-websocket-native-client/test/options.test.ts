/**
 * The command line: which URL the client connects to, and its two flags. A mistake is one line
 * and exit code 2 (see program.test.ts for the same through the real program).
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_URL, readClientOptions } from '../src/options.ts';

describe('the URL', () => {
  it('is ws://localhost:8082/ws (native-server) when none is given', () => {
    expect(DEFAULT_URL).toBe('ws://localhost:8082/ws');
    expect(readClientOptions([]).url.href).toBe('ws://localhost:8082/ws');
  });

  it.each([
    ['ws://127.0.0.1:9000/ws', '127.0.0.1', '9000', '/ws', ''],
    ['ws://example.com/chat?room=1&name=a%20b', 'example.com', '', '/chat', '?room=1&name=a%20b'],
    ['ws://[::1]:8082/ws', '[::1]', '8082', '/ws', ''],
    ['ws://localhost:8080/', 'localhost', '8080', '/', ''],
  ])('keeps host, port, path and query of %s', (text, hostname, port, pathname, search) => {
    const { url } = readClientOptions([text]);
    expect({
      hostname: url.hostname,
      port: url.port,
      pathname: url.pathname,
      search: url.search,
    }).toEqual({ hostname, port, pathname, search });
  });
});

describe('the flags', () => {
  it('by default: no trace, and the handshake gets 10 s', () => {
    const options = readClientOptions([]);
    expect(options.trace).toBe(false);
    expect(options.timeout).toBe(10_000);
  });

  it('--trace and --timeout MS, before or after the URL', () => {
    expect(readClientOptions(['--trace', 'ws://127.0.0.1:1/ws', '--timeout', '300'])).toMatchObject(
      {
        url: new URL('ws://127.0.0.1:1/ws'),
        trace: true,
        timeout: 300,
      },
    );
  });
});

describe('mistakes: one line, exit code 2', () => {
  it.each([
    [['http://localhost:8082/ws'], 'a WebSocket URL starts with ws:// or wss://, not "http:"'],
    [['not a url'], '"not a url" is not a URL; try ws://localhost:8082/ws'],
    [
      ['ws://localhost:8082/ws#top'],
      'a WebSocket URL has no #fragment: ws://localhost:8082/ws#top',
    ],
    [['ws://a/ws', 'ws://b/ws'], 'expected one URL, got 2: ws://a/ws ws://b/ws'],
    [['--timeout', 'soon'], '--timeout must be a positive whole number, not "soon"'],
    [['--timeout', '0'], '--timeout must be a positive whole number, not "0"'],
  ])('%j', (args, message) => {
    expect(() => readClientOptions(args)).toThrow(
      expect.objectContaining({ message, exitCode: 2 }),
    );
  });

  it('an unknown flag', () => {
    expect(() => readClientOptions(['--verbose'])).toThrow(
      expect.objectContaining({ message: expect.stringMatching(/'--verbose'/), exitCode: 2 }),
    );
  });
});
