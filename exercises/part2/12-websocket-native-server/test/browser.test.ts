import { fileURLToPath } from 'node:url';
import { playgroundContract } from 'support/testing';
import { createNativeServer } from '../src/server.ts';

// The page at / in a real Chromium: connect, send, see the echo, disconnect - the same tests for
// every server (support/testing/browser.ts).
playgroundContract({
  name: 'native-server',
  packageDir: fileURLToPath(new URL('..', import.meta.url)),
  createServer: createNativeServer,
  frames: 'inspector',
  greets: false,
});
