/**
 * Waiting times (echoes, handshakes) in whole milliseconds, counted in buckets rather than kept
 * one by one: a soak records millions of them, and the tool's memory must stay bounded too.
 * Times of a minute or more share the last bucket.
 */
export class Times {
  readonly #buckets = new Uint32Array(60_000);
  #count = 0;
  #max = 0;

  record(ms: number): void {
    const bucket = Math.min(this.#buckets.length - 1, Math.max(0, Math.round(ms)));
    this.#buckets[bucket]! += 1;
    this.#count += 1;
    if (ms > this.#max) this.#max = ms;
  }

  get count(): number {
    return this.#count;
  }

  /** The summary sent between processes and printed in the report. */
  summary(): TimesSummary {
    return {
      count: this.#count,
      p50: this.#percentile(0.5),
      p99: this.#percentile(0.99),
      max: this.#max,
    };
  }

  /** The time below which a fraction `q` of the recorded times fall (nearest rank), in ms. */
  #percentile(q: number): number {
    if (this.#count === 0) return Number.NaN;
    const rank = Math.max(1, Math.ceil(q * this.#count));
    let seen = 0;
    for (let ms = 0; ms < this.#buckets.length; ms++) {
      seen += this.#buckets[ms]!;
      if (seen >= rank) return ms;
    }
    return this.#max;
  }
}

export interface TimesSummary {
  count: number;
  p50: number;
  p99: number;
  max: number;
}
