/**
 * `shared`: RFC 6455 by hand, without I/O. Bytes go in, events and bytes to send come out; the
 * exercises move those bytes over `node:net`, `node:http` and `node:tls`.
 */
export {
  checkUpgradeResponse,
  type HeadReadResult,
  MAX_RESPONSE_HEAD_BYTES,
  type ResponseHead,
  ResponseHeadReader,
  randomHandshakeKey,
  type UpgradeResponseCheck,
  upgradeRequest,
} from './client-handshake.ts';
export { CloseCode, closeCodeName, isValidCloseCode } from './close-codes.ts';
export {
  type ClosePayload,
  decodeClosePayload,
  encodeClosePayload,
  MAX_CLOSE_REASON_BYTES,
} from './close-payload.ts';
export { describeFrame, previewBytes, previewText } from './describe.ts';
export { ProtocolError } from './errors.ts';
export {
  encodeFrame,
  encodeFrameHeader,
  type Frame,
  MAX_CONTROL_PAYLOAD,
  type OutgoingFrame,
} from './frame.ts';
export {
  acceptKey,
  acceptResponse,
  checkHost,
  checkUpgradeRequest,
  isHandshakeKey,
  refusalResponse,
  type UpgradeCheck,
  type UpgradeCheckOptions,
  type UpgradeRequest,
  WEBSOCKET_GUID,
  WEBSOCKET_VERSION,
} from './handshake.ts';
export { applyMask, randomMaskKey } from './mask.ts';
export { MessageBuffer } from './message-buffer.ts';
export { isControlOpcode, isKnownOpcode, Opcode, opcodeName } from './opcode.ts';
export {
  DEFAULT_MAX_PAYLOAD,
  FrameParser,
  MAX_FRAGMENTS,
  type ParserEvent,
  type ParserOptions,
  type Role,
} from './parser.ts';
export {
  type ProtocolEvent,
  type ProtocolOptions,
  type ProtocolState,
  WebSocketProtocol,
} from './protocol.ts';
export { Utf8Validator } from './utf8.ts';
