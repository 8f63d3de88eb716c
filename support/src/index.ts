/**
 * `support`: what every exercise program needs and no exercise teaches - options, log lines, the
 * HTTP side of a server, listening, TLS files, one-line errors, certificates. The lessons are in
 * the exercises; the WebSocket protocol written by hand is in `shared`.
 */
export { createCertificates } from './certificates.ts';
export { describeConnectError, readUrlArgument } from './client.ts';
export { describeError, ExpectedError, exitWithError } from './errors.ts';
export { createHttpServer, refuseBadTarget, refuseUpgrade } from './http.ts';
export { type HeldEntry, type InspectorSink, Inspectors, requestLines } from './inspector.ts';
export { listen } from './listen.ts';
export {
  createLog,
  describeClose,
  describeMessage,
  describePeer,
  type Log,
  oneLine,
  wholeMessage,
} from './log.ts';
export {
  DEFAULT_HANDSHAKE_TIMEOUT,
  parseArgsOrExplain,
  readCount,
  readServerOptions,
  type ServerOptions,
} from './options.ts';
export type { RunningServer } from './server.ts';
export {
  describeCertificateError,
  INSECURE_WARNING,
  readTlsTrust,
  TLS_CLIENT_FLAGS,
  type TlsTrust,
  trustedCertificates,
} from './tls.ts';
