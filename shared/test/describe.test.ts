import { describe, expect, it } from 'vitest';
import { describeFrame, previewText } from '../src/describe.ts';
import type { Frame } from '../src/frame.ts';
import { Opcode } from '../src/opcode.ts';
import { FrameParser } from '../src/parser.ts';
import { bytes, RFC_MASK_KEY } from './helpers.ts';

/** A frame as the parser reports it, with the defaults of a whole unmasked frame. */
function frame(fields: Partial<Frame> & { opcode: number }): Frame {
  return { fin: true, rsv: 0, maskKey: undefined, payload: Buffer.alloc(0), ...fields };
}

describe('describeFrame', () => {
  it('describes the masked "Hello" of §5.7 as the parser reads it (§5.2)', () => {
    const lines: string[] = [];
    const parser = new FrameParser({
      role: 'server',
      onFrame: (f) => lines.push(describeFrame(f)),
    });
    parser.push(bytes('81 85 37 fa 21 3d 7f 9f 4d 51 58'));
    expect(lines).toEqual(['FIN=1 RSV=000 opcode=TEXT(0x1) MASK=1 key=37fa213d len=5 "Hello"']);
  });

  it("describes a close frame with its code, the code's name and the reason (§5.5.1)", () => {
    const line = describeFrame(frame({ opcode: Opcode.Close, payload: bytes('03 e8') }));
    expect(line).toBe(
      'FIN=1 RSV=000 opcode=CLOSE(0x8) MASK=0 len=2 code=1000 (Normal Closure) reason=""',
    );
  });

  it('says what is wrong with an invalid close payload (§5.5.1)', () => {
    const line = describeFrame(frame({ opcode: Opcode.Close, payload: bytes('03') }));
    expect(line).toBe(
      'FIN=1 RSV=000 opcode=CLOSE(0x8) MASK=0 len=1 (invalid close payload: close frame has a 1-byte payload)',
    );
  });

  it('shows the first 16 bytes of a long binary payload in hex, then "..." (§5.2)', () => {
    const payload = Buffer.from(Array.from({ length: 70000 }, (_, i) => i & 0xff));
    const line = describeFrame(frame({ opcode: Opcode.Binary, fin: false, payload }));
    expect(line).toBe(
      'FIN=0 RSV=000 opcode=BINARY(0x2) MASK=0 len=70000 <00 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f ...>',
    );
  });

  it('shows a short binary payload whole, without "..." (§5.2)', () => {
    const line = describeFrame(
      frame({ opcode: Opcode.Binary, payload: bytes('de ad be ef'), maskKey: RFC_MASK_KEY }),
    );
    expect(line).toBe('FIN=1 RSV=000 opcode=BINARY(0x2) MASK=1 key=37fa213d len=4 <de ad be ef>');
  });

  it('shows nothing after the length of an empty ping (§5.5.2)', () => {
    expect(describeFrame(frame({ opcode: Opcode.Ping }))).toBe(
      'FIN=1 RSV=000 opcode=PING(0x9) MASK=0 len=0',
    );
  });

  it('shows an empty text as "" (§5.6)', () => {
    expect(describeFrame(frame({ opcode: Opcode.Text }))).toBe(
      'FIN=1 RSV=000 opcode=TEXT(0x1) MASK=0 len=0 ""',
    );
  });

  it('shows RSV bits and reserved opcodes as they are (§5.2)', () => {
    const line = describeFrame(frame({ opcode: 0x3, rsv: 0b100 }));
    expect(line).toBe('FIN=1 RSV=100 opcode=RESERVED(0x3) MASK=0 len=0');
  });
});

describe('previewText', () => {
  it('quotes a short text whole', () => {
    expect(previewText('Hello')).toBe('"Hello"');
  });

  it('cuts a long text after 40 characters and puts "..." after the closing quote', () => {
    expect(previewText('x'.repeat(50))).toBe(`"${'x'.repeat(40)}"...`);
  });

  it('keeps a text that ends in "..." itself as it is, so it does not look cut', () => {
    expect(previewText('wait...')).toBe('"wait..."');
  });

  it('counts characters, not UTF-16 units, so an emoji is never cut in half', () => {
    expect(previewText('🎉'.repeat(41))).toBe(`"${'🎉'.repeat(40)}"...`);
    expect(previewText('🎉'.repeat(40))).toBe(`"${'🎉'.repeat(40)}"`);
  });

  it('escapes newlines, so the preview stays on one line', () => {
    expect(previewText('a\nb')).toBe('"a\\nb"');
  });
});
