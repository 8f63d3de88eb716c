import { oneLine } from './log.ts';

/**
 * A failure the person running the program can fix: a port in use, a bad option, an unreachable
 * server. It is reported as one line, without a stack trace, and ends the program with `exitCode`
 * (1, or 2 for a mistake on the command line).
 */
export class ExpectedError extends Error {
  readonly exitCode: number;

  constructor(message: string, exitCode = 1) {
    super(message);
    this.name = 'ExpectedError';
    this.exitCode = exitCode;
  }
}

/**
 * Prints an expected error as one line and exits; anything else is a bug and keeps its stack. The
 * line often quotes a peer (a server's status line, a close reason): it is printed through
 * `oneLine`, so that nothing in it reaches the terminal as a control character.
 */
export function exitWithError(error: unknown): never {
  if (error instanceof ExpectedError) {
    console.error(oneLine(error.message));
    process.exit(error.exitCode);
  }
  throw error;
}

/** An unexpected error, for the server's log: its stack when it has one (a bug needs it). */
export function describeError(error: unknown): string {
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}
