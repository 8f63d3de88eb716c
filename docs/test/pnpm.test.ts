// What a learner sees when a program fails, run as the READMEs write it: the program's one line,
// and not pnpm's report of the failure after it (`reporter` in pnpm-workspace.yaml).
import { once } from 'node:events';
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { runToEnd } from './run.ts';

/** A port nothing listens on: one the system just gave out, closed again. */
async function closedPort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  await once(server, 'close');
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/**
 * pnpm as the learner runs it: the one running these tests when they run under pnpm (it says
 * where it is in npm_execpath), or the one on the PATH.
 */
function pnpm(args: string[]): { command: string; args: string[] } {
  const execPath = process.env.npm_execpath;
  if (execPath && /pnpm\.c?js$/.test(execPath)) {
    return { command: process.execPath, args: [execPath, ...args] };
  }
  return { command: 'pnpm', args };
}

/** Runs a command to its end: what it printed on each stream, and its exit code. */
function run(command: { command: string; args: string[] }) {
  return runToEnd(command.command, command.args);
}

describe('a program that fails, run with pnpm as the READMEs write it', () => {
  it('pnpm --filter client start ws://localhost:<closed port>/ws: one line, exit 1', async () => {
    const port = await closedPort();
    const url = `ws://localhost:${port}/ws`;
    const result = await run(pnpm(['--filter', 'client', 'start', url]));
    // The client's line, and nothing of pnpm's: no "> client@0.0.0 start" banner, no
    // ERR_PNPM_RECURSIVE_RUN_FIRST_FAIL after it.
    expect(result).toEqual({
      stdout: '',
      stderr: `cannot connect to ${url}: connection refused\n`,
      code: 1,
    });
  });
});
