import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { Changes } from '../wire/changes.ts';
import { escapeText } from '../wire/hex.ts';
import type { WireLog } from '../wire/log.ts';

/**
 * The client under test, as a program: the command the user gave, run through a shell (so that
 * quoting and `cd x &&` work as they typed them), in the folder they typed it in, and in a
 * process group of its own, so that the whole group - the shell, pnpm, node - can be stopped at
 * once when its case ends.
 */

/** Lines of output kept per run; a client that prints more has the rest counted, not kept. */
const MAX_LINES = 2000;
/** Characters of a line kept: room for a 64 KiB message printed whole, escaped. */
const MAX_LINE = 512 * 1024;
/**
 * After the program has exited, how long the checker waits for the rest of its output. Its
 * output ends when every process holding the pipes has gone: usually at once.
 */
const OUTPUT_GRACE_MS = 300;

export interface OutputLine {
  stream: 'stdout' | 'stderr';
  text: string;
}

export interface Exit {
  /** The exit status; null when a signal ended it. */
  code: number | null;
  signal: NodeJS.Signals | null;
}

export class ClientProcess {
  readonly #child: ChildProcess;
  readonly #log: WireLog;
  readonly lines: OutputLine[] = [];
  #dropped = 0;
  #exit: Exit | undefined;
  #outputOpen = 2;
  readonly #changes = new Changes();
  #stoppedByUs = false;
  /** Resolves when the program has exited. */
  readonly exited: Promise<Exit>;
  #resolveExited: (exit: Exit) => void = () => {};

  constructor(command: string, cwd: string, log: WireLog) {
    this.#log = log;
    this.exited = new Promise((resolve) => {
      this.#resolveExited = resolve;
    });
    this.#child = spawn('/bin/sh', ['-c', command], {
      cwd,
      // A process group of its own: `kill(-pid)` reaches everything the command started.
      detached: true,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.#note(`started: ${escapeText(command, 300)}`);
    // A client that exits without reading its input makes writing to it fail: not our concern.
    this.#child.stdin?.on('error', () => {});
    this.#child.on('error', (error) => {
      this.#note(`could not be started: ${error.message}`);
      this.#exited({ code: null, signal: null });
    });
    for (const stream of ['stdout', 'stderr'] as const) {
      const source = this.#child[stream];
      if (!source) continue;
      const lines = createInterface({ input: source, crlfDelay: Number.POSITIVE_INFINITY });
      lines.on('line', (text) => this.#line(stream, text));
      lines.on('close', () => {
        this.#outputOpen--;
        this.#changes.wake();
      });
    }
    this.#child.on('exit', (code, signal) => this.#exited({ code, signal }));
  }

  /** The exit, once the program has ended. */
  get exit(): Exit | undefined {
    return this.#exit;
  }

  /** Writes a line to the client's input: one text message to send, by the contract. */
  writeLine(line: string): void {
    this.#note(`stdin: ${escapeText(line, 120)}`);
    this.#child.stdin?.write(`${line}\n`);
  }

  /** Ends the client's input: by the contract, it closes with 1000. */
  endInput(): void {
    if (this.#child.stdin?.writableEnded) return;
    this.#note('stdin: (end of input)');
    this.#child.stdin?.end();
  }

  /** The first line (from now on, or already printed) that `matches`; undefined at the deadline. */
  async waitForLine(
    matches: (line: OutputLine) => boolean,
    ms: number,
  ): Promise<OutputLine | undefined> {
    const deadline = performance.now() + ms;
    for (;;) {
      const line = this.lines.find(matches);
      if (line) return line;
      if (this.#outputOpen === 0 && this.#exit) return undefined;
      if (!(await this.#changes.next(deadline))) return undefined;
    }
  }

  /** The exit, within `ms`; then its output, which may end a moment later. */
  async waitForExit(ms: number): Promise<Exit | undefined> {
    const deadline = performance.now() + ms;
    while (!this.#exit) if (!(await this.#changes.next(deadline))) return undefined;
    const outputDeadline = performance.now() + OUTPUT_GRACE_MS;
    while (this.#outputOpen > 0) if (!(await this.#changes.next(outputDeadline))) break;
    return this.#exit;
  }

  /** Lines printed on stderr, in order. */
  get errorLines(): string[] {
    return this.lines.filter((line) => line.stream === 'stderr').map((line) => line.text);
  }

  /**
   * Stops the whole process group (SIGKILL: the case is over, and nothing it does now is
   * judged), then waits for the exit.
   */
  async stop(): Promise<void> {
    const pid = this.#child.pid;
    if (pid === undefined) return;
    if (!this.#exit) {
      this.#stoppedByUs = true;
      this.#note('the checker stops the client (the case is over)');
    }
    try {
      // Even once the shell has exited, programs it started may still be running in its group.
      process.kill(-pid, 'SIGKILL');
    } catch {
      // The group is gone already.
    }
    this.#child.stdin?.destroy();
    await this.waitForExit(2000);
  }

  #line(stream: 'stdout' | 'stderr', text: string): void {
    this.#note(`${stream}: ${escapeText(text, 200)}`);
    if (this.lines.length >= MAX_LINES) {
      this.#dropped++;
      return;
    }
    this.lines.push({ stream, text: text.length > MAX_LINE ? text.slice(0, MAX_LINE) : text });
    this.#changes.wake();
  }

  #exited(exit: Exit): void {
    if (this.#exit) return;
    this.#exit = exit;
    this.#resolveExited(exit);
    if (!this.#stoppedByUs) this.#note(describeExit(exit));
    if (this.#dropped > 0) this.#note(`(${this.#dropped} more lines of output not kept)`);
    this.#changes.wake();
  }

  #note(summary: string): void {
    this.#log.add({ connection: 0, direction: 'process', summary });
  }
}

/** `exited with status 1`, `ended by SIGTERM`. */
export function describeExit(exit: Exit): string {
  if (exit.code !== null) return `exited with status ${exit.code}`;
  return exit.signal ? `ended by ${exit.signal}` : 'could not be started';
}
