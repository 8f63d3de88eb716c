/**
 * Round-trip times counted in buckets 0.5% wide, from 1 µs up: a 32-byte load records millions
 * of them in a few seconds, and the load processes of one measurement send theirs to the
 * benchmark to be added up. A percentile read from the buckets is within 0.5% of the exact one.
 */
export class Latencies {
  /** Bucket number -> count; sparse, since round trips cluster. */
  readonly #counts = new Map<number, number>();
  #total = 0;

  record(ms: number): void {
    const bucket = bucketOf(ms);
    this.#counts.set(bucket, (this.#counts.get(bucket) ?? 0) + 1);
    this.#total += 1;
  }

  get count(): number {
    return this.#total;
  }

  /** The counts, for JSON: [bucket, count] pairs. */
  toJSON(): [number, number][] {
    return [...this.#counts];
  }

  /** Adds the counts of another process (its `toJSON()`). */
  add(pairs: [number, number][]): void {
    for (const [bucket, count] of pairs) {
      this.#counts.set(bucket, (this.#counts.get(bucket) ?? 0) + count);
      this.#total += count;
    }
  }

  /** The time below which a fraction `q` of the round trips fall (nearest rank), in ms. */
  percentile(q: number): number {
    if (this.#total === 0) return Number.NaN;
    const rank = Math.max(1, Math.ceil(q * this.#total));
    let seen = 0;
    for (const bucket of [...this.#counts.keys()].sort((a, b) => a - b)) {
      seen += this.#counts.get(bucket) ?? 0;
      if (seen >= rank) return middleOf(bucket);
    }
    return Number.NaN;
  }
}

const SMALLEST_MS = 0.001;
const GROWTH = Math.log(1.005);

function bucketOf(ms: number): number {
  return ms <= SMALLEST_MS ? 0 : Math.floor(Math.log(ms / SMALLEST_MS) / GROWTH);
}

/** The middle of a bucket (its edges are 0.5% apart). */
function middleOf(bucket: number): number {
  return SMALLEST_MS * Math.exp((bucket + 0.5) * GROWTH);
}
