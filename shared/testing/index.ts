/** `shared/testing`: helpers for the exercises' tests, which start real programs on real sockets. */

export {
  browserMissing,
  launchBrowser,
  type PlaygroundContract,
  playgroundContract,
} from './browser.ts';
export { helloServerContract } from './hello-contract.ts';
export { LineWatcher } from './lines.ts';
export { type Exit, type Program, spawnProgram, startServerProgram } from './program.ts';
export { RawClient, rawHttpExchange, readHead } from './raw-client.ts';
export { freePort, type ScriptedServer, startScriptedServer } from './scripted-server.ts';
export { testServerOptions } from './server-options.ts';
export {
  Inbox,
  inboxOf,
  openWebSocket,
  type Received,
  roundTrip,
  whenClosed,
} from './ws-client.ts';
