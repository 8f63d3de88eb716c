/**
 * `shared/conventions`: what every exercise program does the same way - options, logging, the
 * HTTP side of the server, listening, shutting down - so each exercise's own code is only what it
 * teaches. The WebSocket protocol itself is in `shared` (../src).
 */
export {
  type CertificateFiles,
  type CertificateOptions,
  createCertificates,
  DEFAULT_CERTIFICATE_HOSTS,
} from './certificates.ts';
export { describeConnectError, readUrlArgument, readWebSocketUrl } from './client.ts';
export { describeError, ExpectedError, exitWithError } from './errors.ts';
export { type Pingable, startHeartbeat } from './heartbeat.ts';
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
  clientAddress,
  createLog,
  describeClose,
  describeMessage,
  describePeer,
  greetingFor,
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
  WRITE_BUFFER_LIMIT,
} from './options.ts';
export type { EchoHooks, RunningServer } from './server.ts';
export {
  closeOnSignals,
  SHUTDOWN_CODE,
  SHUTDOWN_GRACE_MS,
  SHUTDOWN_REASON,
  withDeadline,
} from './shutdown.ts';
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
