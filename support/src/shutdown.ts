/**
 * Stopping a server cleanly. Closing the listening socket stops new connections but leaves the
 * open WebSockets open, so each one is sent a close frame with 1001 (RFC 6455 §7.4.1: "going
 * away, such as a server going down"). Peers get a moment to answer; then the rest are cut.
 */

export const SHUTDOWN_CODE = 1001;
export const SHUTDOWN_REASON = 'server shutting down';

/** How long peers get to answer the close frame before their connections are cut. */
export const SHUTDOWN_GRACE_MS = 1500;

/** After a signal the process exits within this time, whatever happens. */
const EXIT_DEADLINE_MS = 2000;

/**
 * On SIGINT (Ctrl+C) or SIGTERM: close the server, then exit 0. The server's own `close()` bounds
 * the wait for peers; the deadline here also covers a close that goes wrong.
 */
export function closeOnSignals(
  server: { close(): Promise<void> },
  log: (line: string) => void,
): void {
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    log(`${signal}: closing every connection with ${SHUTDOWN_CODE} (${SHUTDOWN_REASON})`);
    setTimeout(() => process.exit(0), EXIT_DEADLINE_MS).unref();
    server.close().finally(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

/** Waits for `promise`, but no longer than `ms`. */
export async function withDeadline(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
  });
  await Promise.race([promise.then(() => undefined), deadline]);
  clearTimeout(timer);
}
