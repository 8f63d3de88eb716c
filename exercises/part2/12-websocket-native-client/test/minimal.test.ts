/**
 * src/minimal.ts, the client at its smallest, run as a program against an echo server built with
 * `ws`: another implementation, so the handshake and the masked frames written by hand are
 * checked by code that did not write them.
 */
import { spawnProgram } from 'support/testing';
import { expect, it } from 'vitest';
import { cleanUpAfterEachTest, packageDir, startEchoServer } from './helpers.ts';

cleanUpAfterEachTest();

it('sends Hello, prints the echo, closes with 1000 and exits 0', async () => {
  const server = await startEchoServer();
  const program = spawnProgram(packageDir, [server.url], {}, 'src/minimal.ts');
  expect(await program.exited).toEqual({ code: 0, signal: null });
  expect(program.output.lines).toEqual(['Received: Hello']);
  // The server read the masked text frame, and then the masked close frame with 1000.
  expect(server.log.lines[0]).toBe('Received: Hello');
  await server.log.waitFor(/^disconnected: .*, code 1000 \(Normal Closure\)$/);
});
