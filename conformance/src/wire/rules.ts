import { codeProblem, isNeverSent } from './close-codes.ts';
import { type FrameInfo, isControl, isDefinedOpcode, opcodeName } from './frame.ts';
import { hex } from './hex.ts';
import { firstInvalidUtf8 } from './utf8.ts';

/**
 * The rules every frame a peer sends must follow on its own, whatever came before it, each with
 * the section that states it. The checker reads every frame of the peer it checks through these:
 * a broken one ends the case FAILED, whatever the case was about.
 */

/** Which side the checked peer is: a server (server mode) or a client (client mode). */
export type PeerRole = 'server' | 'client';

/** A rule broken, and the section that states it. */
export interface Rule {
  section: string;
  text: string;
}

/** The first rule a frame from `peer` breaks, if any. */
export function brokenFrameRule(frame: FrameInfo, peer: PeerRole): Rule | undefined {
  const { opcode, payload } = frame;
  const name = opcodeName(opcode);
  // §5.1: "A server MUST NOT mask any frames that it sends to the client"; a client masks all.
  if (peer === 'server' && frame.masked) {
    return { section: '5.1', text: 'a masked frame: a server never masks' };
  }
  if (peer === 'client' && !frame.masked) {
    return { section: '5.1', text: 'an unmasked frame: a client masks every frame' };
  }
  if (frame.rsv !== 0) {
    const bits = frame.rsv.toString(2).padStart(3, '0');
    return { section: '5.2', text: `RSV bits ${bits} set with no extension agreed` };
  }
  if (!isDefinedOpcode(opcode)) return { section: '5.2', text: `a frame with the ${name}` };
  if (isControl(opcode) && !frame.fin) {
    return { section: '5.5', text: `a fragmented ${name} frame` };
  }
  if (isControl(opcode) && payload.length > 125) {
    return { section: '5.5', text: `a ${name} frame of ${payload.length} bytes, over 125` };
  }
  // §5.2: "the minimal number of bytes MUST be used to encode the length".
  if (
    (frame.lengthBytes === 2 && payload.length < 126) ||
    (frame.lengthBytes === 8 && payload.length < 65536)
  ) {
    return {
      section: '5.2',
      text: `the length ${payload.length} written in ${frame.lengthBytes} bytes, not the shortest form`,
    };
  }
  return undefined;
}

/**
 * §5.5.1 and §7.4.1: a close body is empty, or a 2-byte code then a UTF-8 reason, and 1005, 1006
 * and 1015 are never sent. Other codes no endpoint should send are left to the case to judge.
 */
export function brokenClosePayload(payload: Buffer): Rule | undefined {
  if (payload.length === 1) return { section: '5.5.1', text: 'a close frame with a 1-byte body' };
  if (payload.length < 2) return undefined;
  const code = payload.readUInt16BE(0);
  const problem = codeProblem(code);
  if (problem && isNeverSent(code)) {
    return { section: problem.section, text: `a close frame with ${problem.text}` };
  }
  const reason = payload.subarray(2);
  if (firstInvalidUtf8(reason) !== -1) {
    return { section: '5.5.1', text: `a close reason that is not valid UTF-8: ${hex(reason)}` };
  }
  return undefined;
}
