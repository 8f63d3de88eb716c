/** RFC 6455 §7.4.1 and the IANA registry (§11.7): the close codes and their names. */
const NAMES: Record<number, string> = {
  1000: 'Normal Closure',
  1001: 'Going Away',
  1002: 'Protocol Error',
  1003: 'Unsupported Data',
  1004: 'reserved',
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

/** `1002 (Protocol Error)`. */
export function describeCode(code: number): string {
  const name =
    NAMES[code] ??
    (code >= 3000 && code <= 3999
      ? 'registered for libraries'
      : code >= 4000 && code <= 4999
        ? 'private use'
        : 'not a defined code');
  return `${code} (${name})`;
}

/**
 * §7.4.1 and §7.4.2: the codes a close frame may carry: 1000-1003, 1007-1014 (1012 to 1014 were
 * registered with IANA after the RFC), and 3000-4999 for libraries and applications.
 */
export function isSendableCode(code: number): boolean {
  return (
    (code >= 1000 && code <= 1003) ||
    (code >= 1007 && code <= 1014) ||
    (code >= 3000 && code <= 4999)
  );
}

/**
 * §7.4.1: 1005, 1006 and 1015 "MUST NOT be set as a status code in a Close control frame by an
 * endpoint": they describe, on one side, a close that had no code, no close frame, or failed TLS.
 */
export function isNeverSent(code: number): boolean {
  return code === 1005 || code === 1006 || code === 1015;
}

/** Why a code may not be in a close frame, with the section that says so; undefined if it may. */
export function codeProblem(code: number): { section: string; text: string } | undefined {
  if (isSendableCode(code)) return undefined;
  if (code === 1005 || code === 1006 || code === 1015) {
    return {
      section: '7.4.1',
      text: `${describeCode(code)} only describes a connection locally and must never be sent`,
    };
  }
  if (code === 1004) return { section: '7.4.1', text: '1004 is reserved and has no meaning' };
  if (code < 1000) return { section: '7.4.2', text: `${code}: codes below 1000 are not used` };
  if (code < 3000) {
    return {
      section: '7.4.2',
      text: `${code} is reserved for future versions of the protocol and extensions`,
    };
  }
  return { section: '7.4.2', text: `${code} is above 4999: no such code is defined` };
}

/** A close frame's body: the code in 2 bytes, then the reason in UTF-8 (RFC 6455 §5.5.1). */
export function closePayload(code: number | undefined, reason = ''): Buffer {
  if (code === undefined) return Buffer.alloc(0);
  const body = Buffer.alloc(2 + Buffer.byteLength(reason));
  body.writeUInt16BE(code, 0);
  body.write(reason, 2);
  return body;
}
