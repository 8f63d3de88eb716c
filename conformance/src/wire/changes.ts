/**
 * Waiting for something to change - bytes arriving, TCP closing, a program writing or exiting, a
 * client connecting - without polling: whoever changes something calls `wake()`, and every wait
 * in progress ends, so the waiter looks again at what it waits for.
 */
export class Changes {
  readonly #waiters = new Set<() => void>();

  /** Resolves true at the next `wake()`, false at the deadline (a `performance.now()` time). */
  next(deadline: number): Promise<boolean> {
    const left = deadline - performance.now();
    if (left <= 0) return Promise.resolve(false);
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.#waiters.delete(wake);
        resolve(true);
      };
      const timer = setTimeout(() => {
        this.#waiters.delete(wake);
        resolve(false);
      }, left);
      this.#waiters.add(wake);
    });
  }

  /** Resolves at the next `wake()`, however long that takes. */
  nextAtAll(): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        this.#waiters.delete(wake);
        resolve();
      };
      this.#waiters.add(wake);
    });
  }

  /** Ends every wait in progress. */
  wake(): void {
    for (const wake of [...this.#waiters]) wake();
  }
}
