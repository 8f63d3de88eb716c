/**
 * UTF-8 checked by hand, as RFC 3629 §4 writes its grammar, so that the checker does not rely
 * on the same decoder as the server it checks. Each row is a lead byte range and the ranges the
 * bytes after it must fall in; everything else is invalid: overlong forms (C0, C1, E0 80-9F,
 * F0 80-8F), UTF-16 surrogates (ED A0-BF), code points above U+10FFFF (F4 90-BF, F5-FF), lone
 * continuation bytes (80-BF), and a sequence cut short.
 */
const SEQUENCES: readonly { lead: [number, number]; next: [number, number][] }[] = [
  { lead: [0x00, 0x7f], next: [] },
  { lead: [0xc2, 0xdf], next: [[0x80, 0xbf]] },
  {
    lead: [0xe0, 0xe0],
    next: [
      [0xa0, 0xbf],
      [0x80, 0xbf],
    ],
  },
  {
    lead: [0xe1, 0xec],
    next: [
      [0x80, 0xbf],
      [0x80, 0xbf],
    ],
  },
  {
    lead: [0xed, 0xed],
    next: [
      [0x80, 0x9f],
      [0x80, 0xbf],
    ],
  },
  {
    lead: [0xee, 0xef],
    next: [
      [0x80, 0xbf],
      [0x80, 0xbf],
    ],
  },
  {
    lead: [0xf0, 0xf0],
    next: [
      [0x90, 0xbf],
      [0x80, 0xbf],
      [0x80, 0xbf],
    ],
  },
  {
    lead: [0xf1, 0xf3],
    next: [
      [0x80, 0xbf],
      [0x80, 0xbf],
      [0x80, 0xbf],
    ],
  },
  {
    lead: [0xf4, 0xf4],
    next: [
      [0x80, 0x8f],
      [0x80, 0xbf],
      [0x80, 0xbf],
    ],
  },
];

// The row for each possible first byte, looked up once.
const ROW_OF_LEAD = Array.from({ length: 256 }, (_, byte) =>
  SEQUENCES.find(({ lead }) => byte >= lead[0] && byte <= lead[1]),
);

/** The offset of the first byte of the first invalid sequence, or -1 when all of it is valid. */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const lead = bytes[i]!;
    // ASCII, the common case, one byte at a time without the table.
    if (lead < 0x80) {
      i++;
      continue;
    }
    const row = ROW_OF_LEAD[lead];
    if (!row) return i;
    for (let k = 0; k < row.next.length; k++) {
      const byte = bytes[i + 1 + k];
      const [low, high] = row.next[k]!;
      if (byte === undefined || byte < low || byte > high) return i;
    }
    i += 1 + row.next.length;
  }
  return -1;
}

export function isValidUtf8(bytes: Uint8Array): boolean {
  return firstInvalidUtf8(bytes) === -1;
}
