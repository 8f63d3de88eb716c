import { describe, expect, it } from 'vitest';
import { encodeFrame, encodeFrameHeader } from '../src/frame.ts';
import { applyMask } from '../src/mask.ts';
import { Opcode } from '../src/opcode.ts';
import { WebSocketProtocol } from '../src/protocol.ts';
import { bytes, RFC_MASK_KEY } from './helpers.ts';

/** The first `count` bytes of a frame, in hex: its header. */
function headerOf(frame: Buffer, count: number): string {
  return frame.subarray(0, count).toString('hex');
}

describe('encodeFrame: the examples of RFC 6455 §5.7', () => {
  it('encodes an unmasked text "Hello" as 81 05 48 65 6c 6c 6f (§5.7)', () => {
    const frame = encodeFrame({ opcode: Opcode.Text, payload: Buffer.from('Hello') });
    expect(frame).toEqual(bytes('81 05 48 65 6c 6c 6f'));
  });

  it('encodes a masked text "Hello" as 81 85 37 fa 21 3d 7f 9f 4d 51 58 (§5.7)', () => {
    const frame = encodeFrame({
      opcode: Opcode.Text,
      payload: Buffer.from('Hello'),
      maskKey: RFC_MASK_KEY,
    });
    // 0x85: MASK bit and length 5; then the key; then "Hello" XOR the key.
    expect(frame).toEqual(bytes('81 85 37 fa 21 3d 7f 9f 4d 51 58'));
  });

  it('encodes the fragments "Hel" (FIN=0) and "lo" (continuation, FIN=1) (§5.7)', () => {
    const first = encodeFrame({ opcode: Opcode.Text, payload: Buffer.from('Hel'), fin: false });
    const last = encodeFrame({ opcode: Opcode.Continuation, payload: Buffer.from('lo') });
    expect(first).toEqual(bytes('01 03 48 65 6c'));
    expect(last).toEqual(bytes('80 02 6c 6f'));
  });

  it('encodes an unmasked ping "Hello" as 89 05 48 65 6c 6c 6f (§5.7)', () => {
    const frame = encodeFrame({ opcode: Opcode.Ping, payload: Buffer.from('Hello') });
    expect(frame).toEqual(bytes('89 05 48 65 6c 6c 6f'));
  });

  it('encodes a 256-byte binary frame with the header 82 7e 01 00 (§5.7)', () => {
    const frame = encodeFrame({ opcode: Opcode.Binary, payload: Buffer.alloc(256) });
    expect(headerOf(frame, 4)).toBe('827e0100');
    expect(frame).toHaveLength(4 + 256);
  });

  it('encodes a 64 KiB binary frame with the header 82 7f 00 00 00 00 00 01 00 00 (§5.7)', () => {
    const frame = encodeFrame({ opcode: Opcode.Binary, payload: Buffer.alloc(65536) });
    expect(headerOf(frame, 10)).toBe('827f0000000000010000');
    expect(frame).toHaveLength(10 + 65536);
  });
});

describe('encodeFrame: the three length forms (§5.2)', () => {
  it('writes an empty payload as length 0 (§5.2)', () => {
    expect(encodeFrame({ opcode: Opcode.Binary, payload: Buffer.alloc(0) })).toEqual(
      bytes('82 00'),
    );
  });

  it('writes 125 bytes, the most the 7-bit length holds, in the 7-bit field (§5.2)', () => {
    const frame = encodeFrame({ opcode: Opcode.Binary, payload: Buffer.alloc(125) });
    expect(headerOf(frame, 2)).toBe('827d');
    expect(frame).toHaveLength(2 + 125);
  });

  it('writes 126 bytes as marker 126 and a 16-bit length (§5.2)', () => {
    const frame = encodeFrame({ opcode: Opcode.Binary, payload: Buffer.alloc(126) });
    expect(headerOf(frame, 4)).toBe('827e007e');
  });

  it('writes 65535 bytes, the most the 16-bit length holds, as marker 126 (§5.2)', () => {
    const frame = encodeFrame({ opcode: Opcode.Binary, payload: Buffer.alloc(65535) });
    expect(headerOf(frame, 4)).toBe('827effff');
    expect(frame).toHaveLength(4 + 65535);
  });

  it('writes 65536 bytes as marker 127 and a 64-bit length (§5.2)', () => {
    const frame = encodeFrame({ opcode: Opcode.Binary, payload: Buffer.alloc(65536) });
    expect(headerOf(frame, 10)).toBe('827f0000000000010000');
  });

  it('puts the mask key after a 16-bit length (§5.2)', () => {
    const frame = encodeFrame({
      opcode: Opcode.Binary,
      payload: Buffer.alloc(300),
      maskKey: RFC_MASK_KEY,
    });
    // 0xfe: MASK bit and marker 126; 0x012c = 300; then the key.
    expect(headerOf(frame, 8)).toBe('82fe012c37fa213d');
    // Zero bytes masked are the key itself.
    expect(frame.subarray(8, 12)).toEqual(RFC_MASK_KEY);
  });

  it('puts the mask key after a 64-bit length (§5.2)', () => {
    const frame = encodeFrame({
      opcode: Opcode.Binary,
      payload: Buffer.alloc(70000),
      maskKey: RFC_MASK_KEY,
    });
    // 0xff: MASK bit and marker 127; 0x011170 = 70000; then the key.
    expect(headerOf(frame, 14)).toBe('82ff000000000001117037fa213d');
    expect(frame).toHaveLength(14 + 70000);
  });
});

describe('encodeFrame: masking (§5.3)', () => {
  it("leaves the caller's payload as it was when masking (§5.3)", () => {
    const payload = Buffer.from('Hello');
    encodeFrame({ opcode: Opcode.Text, payload, maskKey: RFC_MASK_KEY });
    expect(payload.toString()).toBe('Hello');
  });

  it('refuses a mask key that is not 4 bytes (§5.3)', () => {
    const frame = { opcode: Opcode.Text, payload: Buffer.from('x'), maskKey: Buffer.alloc(3) };
    expect(() => encodeFrame(frame)).toThrow(RangeError);
  });
});

describe('encodeFrame: control frames (§5.5)', () => {
  it('encodes a control frame of 125 bytes, the most allowed (§5.5)', () => {
    const frame = encodeFrame({ opcode: Opcode.Ping, payload: Buffer.alloc(125) });
    expect(headerOf(frame, 2)).toBe('897d');
  });

  it('throws RangeError for a ping of 126 bytes (§5.5)', () => {
    expect(() => encodeFrame({ opcode: Opcode.Ping, payload: Buffer.alloc(126) })).toThrow(
      RangeError,
    );
  });

  it('throws RangeError for a close frame of 126 bytes (§5.5)', () => {
    expect(() => encodeFrame({ opcode: Opcode.Close, payload: Buffer.alloc(126) })).toThrow(
      RangeError,
    );
  });

  it('throws RangeError for a fragmented control frame (FIN=0 pong) (§5.5)', () => {
    const frame = { opcode: Opcode.Pong, payload: Buffer.alloc(0), fin: false };
    expect(() => encodeFrame(frame)).toThrow(RangeError);
  });
});

describe('encodeFrame with mask: true', () => {
  it('masks with a fresh random key written into the header (§5.3)', () => {
    const payload = Buffer.from(
      'a message a client sends, long enough for the word loop: 64+ bytes',
    );
    const first = encodeFrame({ opcode: Opcode.Text, payload, mask: true });
    const second = encodeFrame({ opcode: Opcode.Text, payload, mask: true });
    // 81 c2: FIN and text; MASK set, 66 bytes. Then the key, then the masked payload.
    expect(headerOf(first, 2)).toBe('81c2');
    expect(first.subarray(2, 6).equals(second.subarray(2, 6))).toBe(false);
    const unmasked = Buffer.from(first.subarray(6));
    applyMask(unmasked, first.subarray(2, 6));
    expect(unmasked.equals(payload)).toBe(true);
  });

  it('masks a short payload the same way (§5.3)', () => {
    const frame = encodeFrame({ opcode: Opcode.Text, payload: Buffer.from('Hello'), mask: true });
    const unmasked = Buffer.from(frame.subarray(6));
    applyMask(unmasked, frame.subarray(2, 6));
    expect(unmasked.toString()).toBe('Hello');
  });
});

describe('encodeFrameHeader', () => {
  it.each([0, 125, 126, 65535, 65536])(
    'writes the same header as encodeFrame for %i bytes (§5.2)',
    (size) => {
      const payload = Buffer.alloc(size, 1);
      const header = encodeFrameHeader({ opcode: Opcode.Binary, payload });
      const whole = encodeFrame({ opcode: Opcode.Binary, payload });
      expect(Buffer.concat([header, payload]).equals(whole)).toBe(true);
    },
  );

  it('returns a header the caller owns: changing one changes no later header', () => {
    const payload = Buffer.from('hi');
    const first = encodeFrameHeader({ opcode: Opcode.Text, payload });
    first[1] = (first[1] ?? 0) | 0x80; // what a careless caller might do
    const second = encodeFrameHeader({ opcode: Opcode.Text, payload });
    expect(second).not.toBe(first);
    expect([...second]).toEqual([0x81, 0x02]);
    // And the frames of a server connection are not changed either.
    const [header] = new WebSocketProtocol({ role: 'server' }).send('text', payload) ?? [];
    expect([...(header ?? [])]).toEqual([0x81, 0x02]);
  });

  it('refuses a masked frame: its payload must be masked into a copy', () => {
    expect(() =>
      encodeFrameHeader({ opcode: Opcode.Binary, payload: Buffer.alloc(1), mask: true }),
    ).toThrow(RangeError);
  });
});
