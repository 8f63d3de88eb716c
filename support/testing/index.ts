/** `support/testing`: the test kit - start real programs on real sockets, and talk to them. */

// For tests that play a raw peer (a client or a server that writes frames itself): the frame
// encoder, the opcodes and the 101 answer of the hand-written core.
export { acceptResponse, encodeFrame, Opcode } from 'shared';
export {
  browserMissing,
  launchBrowser,
  playgroundContract,
  sayIfBrowserMissing,
} from './browser.ts';
export { controlCharactersIn } from './control-characters.ts';
export { fairnessContract } from './fairness-contract.ts';
export { FLOODS, type FloodKind, flood, pingUntilCut, startFlooder } from './flood.ts';
export { helpContract } from './help-contract.ts';
export { inspectorChannelContract } from './inspector-channel-contract.ts';
export {
  type InspectorEntry,
  type InspectorSubscription,
  subscribeToInspector,
} from './inspector-client.ts';
export { inspectorContract } from './inspector-contract.ts';
export { LineWatcher } from './lines.ts';
export {
  MEMORY_PROBE_OPTIONS,
  memoryOf,
  type Program,
  spawnProgram,
  startServerProgram,
} from './program.ts';
export { RawClient, rawHttpExchange, readHead } from './raw-client.ts';
export { freePort, startScriptedServer } from './scripted-server.ts';
export { testServerOptions } from './server-options.ts';
export { targetContract } from './target-contract.ts';
export { clientTlsContract, tlsContract } from './tls-contract.ts';
export { unreadEchoesContract } from './unread-echoes-contract.ts';
export { inboxOf, openWebSocket, roundTrip, whenClosed } from './ws-client.ts';
