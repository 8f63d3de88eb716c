import { fileURLToPath } from 'node:url';
import { inspectorContract } from 'support/testing';
import { createHelloServer } from '../src/server.ts';

// The frame inspector of the page at /, in a real Chromium: the handshake and every frame of the
// page's own connection (support/testing/inspector-contract.ts, src/inspect.ts).
inspectorContract({
  name: 'hello-server',
  packageDir: fileURLToPath(new URL('..', import.meta.url)),
  createServer: createHelloServer,
  greets: true,
});
