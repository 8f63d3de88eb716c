/**
 * Close status codes (RFC 6455 §7.4.1 and the IANA "WebSocket Close Code Number Registry").
 * A close frame's payload starts with one of these as a 16-bit big-endian number.
 */
export const CloseCode = {
  /** The purpose of the connection has been fulfilled. */
  Normal: 1000,
  /** The endpoint is going away: a server shutting down, a browser leaving the page. */
  GoingAway: 1001,
  /** The peer broke the protocol: bad framing, masking or opcodes. */
  ProtocolError: 1002,
  /** The endpoint cannot accept this type of data (for example binary where only text is understood). */
  UnsupportedData: 1003,
  /** Never on the wire: the close frame carried no status code (RFC 6455 §7.1.5). */
  NoStatusReceived: 1005,
  /** Never on the wire: the connection ended without a close frame (RFC 6455 §7.1.5). */
  AbnormalClosure: 1006,
  /** A message's data did not match its type, such as invalid UTF-8 in a text message. */
  InvalidPayload: 1007,
  /** The message broke a policy of the endpoint; a generic code when no other fits. */
  PolicyViolation: 1008,
  /** A message was too big for the endpoint to process. */
  MessageTooBig: 1009,
  /** Sent by a client when the server did not negotiate an extension it required. */
  MandatoryExtension: 1010,
  /** The server hit an unexpected condition. */
  InternalError: 1011,
  /** The server is restarting; try again later (IANA registry). */
  ServiceRestart: 1012,
  /** The server is overloaded; try again later (IANA registry). */
  TryAgainLater: 1013,
  /** A gateway or proxy got an invalid answer from upstream (IANA registry). */
  BadGateway: 1014,
  /** Never on the wire: the TLS handshake failed (RFC 6455 §7.4.1). */
  TlsHandshake: 1015,
} as const;

const names: Record<number, string> = {
  1000: 'Normal Closure',
  1001: 'Going Away',
  1002: 'Protocol Error',
  1003: 'Unsupported Data',
  1004: 'Reserved',
  1005: 'No Status Received',
  1006: 'Abnormal Closure',
  1007: 'Invalid Payload Data',
  1008: 'Policy Violation',
  1009: 'Message Too Big',
  1010: 'Mandatory Extension',
  1011: 'Internal Error',
  1012: 'Service Restart',
  1013: 'Try Again Later',
  1014: 'Bad Gateway',
  1015: 'TLS Handshake',
};

/**
 * May this code appear in a close frame, sent or received?
 *
 * RFC 6455 §7.4.1: 1004 is reserved, and 1005, 1006 and 1015 "MUST NOT be set as a status code in a
 * Close control frame by an endpoint". Codes below 1000 are not used (§7.4.2), 1016-2999 are
 * reserved for future revisions, 3000-3999 are registered with IANA for libraries and frameworks,
 * and 4000-4999 are for private use between applications.
 */
export function isValidCloseCode(code: number): boolean {
  return (
    (code >= 1000 && code <= 1003) ||
    (code >= 1007 && code <= 1014) ||
    (code >= 3000 && code <= 4999)
  );
}

/** A readable name for logs: `Normal Closure`, `Message Too Big`, `private use`, ... */
export function closeCodeName(code: number): string {
  const known = names[code];
  if (known !== undefined) return known;
  if (code >= 3000 && code <= 3999) return 'registered';
  if (code >= 4000 && code <= 4999) return 'private use';
  return 'unknown';
}
