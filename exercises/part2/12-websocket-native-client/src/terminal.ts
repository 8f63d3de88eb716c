import type { Readable } from 'node:stream';
import { oneLine } from 'support';

/**
 * The keyboard and the screen, as the client sees them: lines to send, lines to print, Ctrl+C.
 * `runClient` (src/client.ts) is handed one rather than using process.stdin and console.log
 * itself, so that the tests can run the client in their own process: type lines, press Ctrl+C,
 * read what it printed (test/helpers.ts). src/main.ts hands it the real one, processTerminal.
 */
export interface Terminal {
  /** Lines to send: the keyboard, or a pipe or file. */
  input: Readable;
  /**
   * Where messages and notices go (stdout). Many lines quote the server (a message, a close
   * reason, with --trace its headers): the real terminal escapes their control characters.
   */
  print(line: string): void;
  /** Where errors go (stderr), escaped the same way. */
  printError(line: string): void;
  /** Calls `stop` on Ctrl+C and SIGTERM; returns a function that stops listening. */
  onInterrupt(stop: () => void): () => void;
}

/**
 * The real terminal: standard input and output, Ctrl+C and SIGTERM. Every line goes out through
 * `oneLine`: what a server sends may hold escape sequences (ESC [2J clears the screen, ESC ] 0;
 * retitles the window), and here they arrive as `\u001b` instead. Escaping here, where lines
 * leave the program, leaves no way around it.
 */
export function processTerminal(): Terminal {
  return {
    input: process.stdin,
    print: (line) => console.log(oneLine(line)),
    printError: (line) => console.error(oneLine(line)),
    onInterrupt(stop) {
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
      return () => {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
      };
    },
  };
}
