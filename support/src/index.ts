/**
 * `support`: what every exercise program needs and no exercise teaches - options, log lines, the
 * HTTP side of a server, listening, TLS files, one-line errors, certificates. The lessons are in
 * the exercises; the WebSocket protocol written by hand is in `shared`.
 */
export { createCertificates } from './certificates.ts';
export { describeConnectError, readUrlArgument } from './client.ts';
export { describeError, ExpectedError, exitWithError, HelpRequested } from './errors.ts';
export {
  createHttpServer,
  type RequestHandler,
  refuseBadRequest,
  refuseUpgrade,
  requestPath,
  servePage,
  upgradeRequired,
} from './http.ts';
export { type HeldEntry, type InspectorSink, Inspectors, requestLines } from './inspector.ts';
export { listen } from './listen.ts';
export {
  createLog,
  describeClose,
  describeMessage,
  describePeer,
  type Log,
  oneLine,
  peerAddress,
  wholeMessage,
} from './log.ts';
export {
  type CommandLine,
  DEFAULT_HANDSHAKE_TIMEOUT,
  helpText,
  type OptionSpec,
  type OptionTable,
  type OptionValues,
  type Program,
  readCommandLine,
  readCount,
  readServerOptions,
  type ServerOptions,
  type ServerProgram,
  serverProgram,
} from './options.ts';
export { type FramesView, type Page, playgroundPage } from './playground.ts';
export type { RunningServer } from './server.ts';
export {
  describeCertificateError,
  INSECURE_WARNING,
  readTlsTrust,
  TLS_CLIENT_OPTIONS,
  type TlsTrust,
  trustedCertificates,
} from './tls.ts';
