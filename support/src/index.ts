/**
 * `support`: what every exercise program needs and no exercise teaches - options, log lines, the
 * HTTP side of a server, listening, TLS files, one-line errors, certificates. The lessons are in
 * the exercises; the WebSocket protocol written by hand is in `shared`.
 */
export {
  type CertificateFiles,
  type CertificateOptions,
  createCertificates,
  DEFAULT_CERTIFICATE_HOSTS,
} from './certificates.ts';
export { describeConnectError, readUrlArgument, readWebSocketUrl } from './client.ts';
export { describeError, ExpectedError, exitWithError } from './errors.ts';
export {
  answerHttpRequest,
  createHttpServer,
  MAX_HEADER_BYTES,
  refuseBadTarget,
  refuseUpgrade,
  requestPath,
  WEBSOCKET_PATH,
} from './http.ts';
export { type Listening, listen, webSocketUrl } from './listen.ts';
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
  DEFAULT_HEARTBEAT_INTERVAL,
  parseArgsOrExplain,
  readCount,
  readServerOptions,
  type ServerOptions,
  serverDefaults,
} from './options.ts';
export type { RunningServer } from './server.ts';
export {
  describeCertificateError,
  INSECURE_WARNING,
  readFile,
  readTlsFiles,
  readTlsTrust,
  TLS_CLIENT_FLAGS,
  type TlsFiles,
  type TlsTrust,
  trustedCertificates,
} from './tls.ts';
