/** src/minimal.ts, the smallest client, run as a program against an echo server made with `ws`. */
import { fileURLToPath } from 'node:url';
import { spawnProgram } from 'support/testing';
import { afterEach, expect, it } from 'vitest';
import { echo, startServer, type TestServer } from './servers.ts';

const packageDir = fileURLToPath(new URL('..', import.meta.url));

let server: TestServer | undefined;
afterEach(() => server?.stop());

it('sends Hello, prints the echo, closes with 1000 and exits 0', async () => {
  server = await startServer(echo);
  const program = spawnProgram(packageDir, [server.url], {}, 'src/minimal.ts');
  expect(await program.exited).toEqual({ code: 0, signal: null });
  expect(program.output.lines).toEqual(['Received: Hello', 'Closed: code 1000']);
  // The server saw the client's close frame, with its code.
  await server.log.waitFor(/^disconnected: code 1000 \(Normal Closure\)$/);
});
