/** `shared/testing`: helpers for the exercises' tests, which start real programs on real sockets. */

export {
  browserMissing,
  launchBrowser,
  type PlaygroundContract,
  playgroundContract,
} from './browser.ts';
export { type TestCertificate, type TestCertificates, testCertificates } from './certificates.ts';
export { helloServerContract } from './hello-contract.ts';
export { LineWatcher } from './lines.ts';
export {
  type Exit,
  MEMORY_PROBE_OPTIONS,
  memoryOf,
  type Program,
  spawnProgram,
  startServerProgram,
} from './program.ts';
export { RawClient, rawHttpExchange, readHead } from './raw-client.ts';
export { type RawFrameFields, rawClosePayload, rawFrame } from './raw-frame.ts';
export { freePort, type ScriptedServer, startScriptedServer } from './scripted-server.ts';
export { testServerOptions } from './server-options.ts';
export { clientTlsContract, type RunClient, tlsContract } from './tls-contract.ts';
export {
  Inbox,
  inboxOf,
  openWebSocket,
  type Received,
  roundTrip,
  whenClosed,
} from './ws-client.ts';
