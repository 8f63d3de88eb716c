/**
 * `shared`: RFC 6455 by hand, without I/O. Bytes go in, events and bytes to send come out; the
 * exercises move those bytes over `node:net`, `node:http` and `node:tls`.
 */
export {
  checkUpgradeResponse,
  type ResponseHead,
  ResponseHeadReader,
  upgradeRequest,
} from './client-handshake.ts';
export { CloseCode, closeCodeName } from './close-codes.ts';
export { decodeClosePayload } from './close-payload.ts';
export { describeFrame, previewBytes, previewText } from './describe.ts';
export { encodeFrame, encodeFrameHeader, type Frame } from './frame.ts';
export {
  acceptKey,
  acceptResponse,
  checkHost,
  checkHttpVersion,
  checkUpgradeRequest,
  refusalResponse,
  WEBSOCKET_GUID,
} from './handshake.ts';
export { applyMask, randomMaskKey } from './mask.ts';
export { Opcode, opcodeName } from './opcode.ts';
export {
  DEFAULT_MAX_PAYLOAD,
  FrameParser,
  MAX_FRAGMENTS,
  type ParserEvent,
  type Role,
} from './parser.ts';
export { type ProtocolEvent, WebSocketProtocol } from './protocol.ts';
