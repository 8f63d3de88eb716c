/**
 * The command line: `pnpm conformance` at the repository root passes the arguments through and
 * the exit status back (0 no FAILED, 1 some, 2 usage or unreachable); usage errors in one line.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { type AddressInfo, createServer } from 'node:net';
import { freePort } from 'support/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { check, rootDir, tsxCommand } from './support/check.ts';
import { type ReferenceServer, startReferenceServer } from './support/reference-server.ts';

let server: ReferenceServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** `pnpm conformance <args>` from the root, as a reader types it. */
function pnpmConformance(args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('pnpm', ['conformance', ...args], { cwd: rootDir });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}

describe('pnpm conformance, from the repository root', () => {
  it('a server with no FAILED case: exit status 0, the total line last', async () => {
    server = await startReferenceServer();
    const { code, output } = await pnpmConformance([server.url, '--cases', '5.5.2,7.4.1']);
    expect(output.trim().split('\n').at(-1)).toMatch(
      /^\d+ cases in [\d.]+ s: \d+ OK, 0 NON-STRICT, 0 INFORMATIONAL, 0 UNIMPLEMENTED, 0 FAILED$/,
    );
    expect(code).toBe(0);
  });

  it('a server with a FAILED case: exit status 1', async () => {
    server = await startReferenceServer('empty-pong');
    const { code, output } = await pnpmConformance([server.url, '--cases', '5.5.2']);
    expect(output).toContain('FAILED 5.5.2/');
    expect(code).toBe(1);
  });

  it('nothing listening: exit status 2, and why', async () => {
    const port = await freePort();
    const { code, output } = await pnpmConformance([`ws://127.0.0.1:${port}/ws`]);
    expect(output).toContain(`nothing listens on 127.0.0.1:${port} (connection refused)`);
    expect(code).toBe(2);
  });
});

describe('pnpm conformance --client, from the repository root', () => {
  const reference = (...args: string[]) =>
    tsxCommand('conformance/test/support/reference-client.ts', ...args);

  it('a client with no FAILED case: exit status 0, the total line last', async () => {
    const { code, output } = await pnpmConformance(['--client', reference(), '--cases', '5.5.2']);
    expect(output).toMatch(/Checking the client "cd '[^']+' && node --import tsx/);
    expect(output.trim().split('\n').at(-1)).toMatch(/^4 cases in [\d.]+ s: 4 OK, .* 0 FAILED$/);
    expect(code).toBe(0);
  });

  it("a client with a FAILED case: exit status 1, the case told in full with the client's output", async () => {
    const { code, output } = await pnpmConformance([
      '--client',
      reference('--break', 'accept-any-accept'),
      '--cases',
      '4.1/12',
    ]);
    expect(output).toContain('FAILED 4.1/12');
    expect(output).toContain(
      'On the wire (-> sent by the checker, <- sent by the client, :: the client program)',
    );
    expect(output).toMatch(/:: started: cd .* && node --import tsx .*reference-client\.ts/);
    expect(code).toBe(1);
  });

  it('runs the command in the folder pnpm conformance was typed in, as the README shows', async () => {
    // Before: it ran in conformance/, where pnpm runs the script, and the cd below failed.
    const { code, output } = await pnpmConformance([
      '--client',
      'cd exercises/part2/12-websocket-native-client && node --import tsx src/main.ts {url}',
      '--cases',
      '5.5.2/1',
    ]);
    expect(output.trim().split('\n').at(-1)).toMatch(/^1 cases in [\d.]+ s: 1 OK/);
    expect(code).toBe(0);
  });

  it('a command that never connects: exit status 2, and what it printed', async () => {
    const { status, stderr } = await check([
      '--client',
      'echo "no such client" >&2; exit 3 # {url}',
    ]);
    expect(stderr).toMatch(
      /the client did not connect to ws:\/\/127\.0\.0\.1:\d+\/ws\?conformance=1: it exited with status 3; its last lines: no such client/,
    );
    expect(status).toBe(2);
  });
});

it('--help: the usage on stdout, exit status 0', async () => {
  const { status, stdout } = await check(['--help']);
  expect(stdout).toContain('pnpm conformance <ws-or-wss-url> [options]');
  expect(status).toBe(0);
});

it('a server that takes connections and never answers the handshake: exit status 2, and why', async () => {
  const silent = createServer((socket) => socket.on('error', () => {}));
  silent.listen(0, '127.0.0.1');
  await once(silent, 'listening');
  try {
    const { port } = silent.address() as AddressInfo;
    const { status, stderr } = await check([`ws://127.0.0.1:${port}/ws`, '--timeout', '0.5']);
    expect(stderr).toContain(
      'takes connections but did not answer a valid upgrade request within 0.5 s',
    );
    expect(status).toBe(2);
  } finally {
    silent.close();
  }
});

describe('a server that speaks first', () => {
  it('is noticed without --greeting, and the hint printed', async () => {
    server = await startReferenceServer(undefined, { greeting: 'Hello! Your IP is 127.0.0.1' });
    const { stderr, report } = await check([server.url, '--cases', '5.5.2']);
    expect(stderr).toContain(
      'note: the server sent a message of its own before any was asked for ("Hello! Your IP is 127.0.0.1"); if it greets every client, say how many messages with --greeting N',
    );
    expect(report?.totals.FAILED).toBeGreaterThan(0);
  });

  it('is checked as any other with --greeting 1: its greeting skipped', async () => {
    server = await startReferenceServer(undefined, { greeting: 'Hello!' });
    const { status, stderr, report } = await check([
      server.url,
      '--greeting',
      '1',
      '--cases',
      '4.1,5.2,5.5.2,7.1.1',
    ]);
    expect(stderr).not.toContain('note:');
    expect(report?.cases.filter((result) => result.verdict === 'FAILED')).toEqual([]);
    expect(status).toBe(0);
  });
});

describe('usage errors: one line, exit status 2', () => {
  it.each([
    { args: [], says: 'which server? give its URL' },
    { args: ['http://localhost:8082/ws'], says: 'is not a ws:// or wss:// URL' },
    { args: ['not a url'], says: 'is not a URL' },
    { args: ['ws://a/ws', 'ws://b/ws'], says: 'one URL at a time' },
    { args: ['ws://a/ws', '--frobnicate'], says: "Unknown option '--frobnicate'" },
    { args: ['ws://a/ws', '--timeout', '0'], says: '--timeout takes seconds' },
    { args: ['ws://a/ws', '--timeout', 'soon'], says: '--timeout takes seconds' },
    { args: ['ws://a/ws', '--greeting', 'two'], says: '--greeting takes a whole number' },
    { args: ['ws://a/ws', '--cases', '9.9'], says: '--cases: no case is 9.9 or in section 9.9' },
    { args: ['ws://a/ws', '--cases', ','], says: '--cases needs ids or sections' },
    { args: ['--client', 'wscat'], says: 'must contain {url}' },
    { args: ['--client', 'x {url}', '--greeting', '1'], says: '--greeting is for server mode' },
    { args: ['--client', 'x {url}', '--cases', '9.9'], says: '--cases: no case is 9.9' },
    { args: ['ws://a/ws', '--client', 'x {url}'], says: 'not both' },
  ])('$args', async ({ args, says }) => {
    const { status, stderr, stdout } = await check(args);
    expect(stderr).toContain(says);
    expect(stdout).toBe('');
    expect(status).toBe(2);
  });
});
