import { inspectorChannelContract } from 'support/testing';
import { createNativeServer } from '../src/server.ts';

// The frame inspector's channel without a browser: a connection is shown only to a page of the
// server's own origin, credentials never, nothing with --no-inspector; no count of pages to run
// out of; and a page that never reads costs its connection a counter per frame
// (support/testing/inspector-channel-contract.ts, support/src/inspector.ts).
inspectorChannelContract({
  name: 'native-server',
  createServer: createNativeServer,
  greets: false,
});
