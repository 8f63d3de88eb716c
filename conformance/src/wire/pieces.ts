/**
 * How a case cuts its bytes into TCP writes. A server must read frames out of a byte stream cut
 * anywhere (TCP keeps no message boundaries), so the same frames go whole, byte by byte, and in
 * odd pieces. Each piece is its own write, and the next one waits until the previous one has
 * left: TCP may still join pieces on the way, but usually does not on a quiet connection.
 */
export interface Chunking {
  /** For titles: `whole`, `one byte per write`. */
  name: string;
  /** The sizes of the writes for `total` bytes, whose first frame's header is `header` bytes. */
  sizes(total: number, header: number): number[];
}

/** Prime sizes in turn, so that piece boundaries fall at every offset of a header and a mask. */
const ODD_SIZES = [1, 3, 7, 13, 31, 61, 127, 251, 509, 1021, 2039, 4093];

/** More writes than this for one case would make it slow; the rest of the bytes go in one. */
const MAX_WRITES = 400;

export const WHOLE: Chunking = { name: 'in one write', sizes: (total) => [total] };

export const BYTE_BY_BYTE: Chunking = {
  name: 'one byte per write',
  sizes: (total) => capped(Array(total).fill(1), total),
};

export const HEADER_BYTE_BY_BYTE: Chunking = {
  name: 'header byte by byte, then the payload',
  sizes: (total, header) =>
    total > header ? [...Array(header).fill(1), total - header] : Array(total).fill(1),
};

export const ODD_PIECES: Chunking = {
  name: 'in pieces of 1, 3, 7, 13, 31... bytes',
  sizes: (total) => {
    const sizes: number[] = [];
    let left = total;
    for (let i = 0; left > 0; i++) {
      const piece = Math.min(left, ODD_SIZES[i % ODD_SIZES.length]!);
      sizes.push(piece);
      left -= piece;
    }
    return capped(sizes, total);
  },
};

export const SPLIT_IN_HEADER: Chunking = {
  name: 'cut after its first byte',
  sizes: (total) => (total > 1 ? [1, total - 1] : [total]),
};

function capped(sizes: number[], total: number): number[] {
  if (sizes.length <= MAX_WRITES) return sizes;
  const kept = sizes.slice(0, MAX_WRITES - 1);
  return [...kept, total - kept.reduce((sum, size) => sum + size, 0)];
}
