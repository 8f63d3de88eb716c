/**
 * Lines of output that a test can wait for: a program's stdout, or a server's log. Waiting is
 * event-driven: `waitFor` resolves the moment a matching line arrives, and fails with everything
 * seen so far if the source ends first.
 */
export class LineWatcher {
  readonly lines: string[] = [];
  #waiters: { pattern: RegExp; resolve: (line: string) => void; reject: (error: Error) => void }[] =
    [];
  #ended: string | undefined;

  /** Adds a line, waking the tests waiting for it. */
  push = (line: string): void => {
    this.lines.push(line);
    this.#waiters = this.#waiters.filter((waiter) => {
      if (!waiter.pattern.test(line)) return true;
      waiter.resolve(line);
      return false;
    });
  };

  /** No more lines will come: waits still pending fail with `why`. */
  end(why: string): void {
    this.#ended = why;
    for (const waiter of this.#waiters) waiter.reject(this.#failure(waiter.pattern));
    this.#waiters = [];
  }

  /** The first line matching `pattern`, seen already or still to come. */
  waitFor(pattern: RegExp): Promise<string> {
    const seen = this.lines.find((line) => pattern.test(line));
    if (seen !== undefined) return Promise.resolve(seen);
    if (this.#ended !== undefined) return Promise.reject(this.#failure(pattern));
    return new Promise((resolve, reject) => this.#waiters.push({ pattern, resolve, reject }));
  }

  /** The first line matching `pattern` that arrives from now on (not one seen before). */
  next(pattern: RegExp): Promise<string> {
    if (this.#ended !== undefined) return Promise.reject(this.#failure(pattern));
    return new Promise((resolve, reject) => this.#waiters.push({ pattern, resolve, reject }));
  }

  /** Every line so far, as one string (for assertions and failure messages). */
  get text(): string {
    return this.lines.join('\n');
  }

  #failure(pattern: RegExp): Error {
    return new Error(`${this.#ended}: no line matched ${pattern}. Output:\n${this.text}`);
  }
}
