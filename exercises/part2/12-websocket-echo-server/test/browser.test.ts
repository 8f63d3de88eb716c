import { fileURLToPath } from 'node:url';
import { playgroundContract } from 'support/testing';
import { createEchoServer } from '../src/server.ts';

// The page at / in a real Chromium: connect, send, see the echo, disconnect - the same tests for
// every server (support/testing/browser.ts).
playgroundContract({
  name: 'echo-server',
  packageDir: fileURLToPath(new URL('..', import.meta.url)),
  createServer: createEchoServer,
  frames: 'library',
  greets: false,
});
