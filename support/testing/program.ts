import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { LineWatcher } from './lines.ts';

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface Program {
  child: ChildProcess;
  /** stdout and stderr, line by line. */
  output: LineWatcher;
  /** stdout alone... */
  stdout: LineWatcher;
  /** ...and stderr alone. */
  stderr: LineWatcher;
  /** Resolves when the program has exited and everything it printed has been read. */
  exited: Promise<Exit>;
}

/**
 * Runs an exercise's `src/main.ts` (or another `entry`) as its own process, as `pnpm start` does:
 * through tsx, without pnpm in between, so signals reach the program itself.
 */
export function spawnProgram(
  packageDir: string,
  args: string[] = [],
  env: Record<string, string> = {},
  entry = 'src/main.ts',
): Program {
  const child = spawn(process.execPath, ['--import', 'tsx', entry, ...args], {
    cwd: packageDir,
    env: { ...process.env, ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const output = new LineWatcher();
  const stdout = new LineWatcher();
  const stderr = new LineWatcher();
  let open = 2;
  for (const [stream, own] of [
    [child.stdout, stdout],
    [child.stderr, stderr],
  ] as const) {
    const lines = createInterface({ input: stream });
    lines.on('line', (line) => {
      own.push(line);
      output.push(line);
    });
    lines.on('close', () => {
      own.end('the program ended');
      open -= 1;
      if (open === 0) output.end('the program ended');
    });
  }
  // 'close', not 'exit': it comes after the program's output streams have ended too.
  const exited = new Promise<Exit>((resolve) => {
    child.on('close', (code, signal) => resolve({ code, signal }));
  });
  return { child, output, stdout, stderr, exited };
}

/** A server program on a free port, once it has printed its start line. */
export async function startServerProgram(
  packageDir: string,
  args: string[] = [],
  env: Record<string, string> = {},
): Promise<Program & { url: string; port: number }> {
  const program = spawnProgram(packageDir, args, { PORT: '0', ...env });
  const line = await program.output.waitFor(/listening on wss?:\/\//);
  const url = /(wss?:\/\/\S+)/.exec(line)?.[1] ?? '';
  return { ...program, url, port: Number(new URL(url).port) };
}

/** NODE_OPTIONS that load the memory probe into a program, for `memoryOf`. */
export const MEMORY_PROBE_OPTIONS = `--import tsx --import ${fileURLToPath(
  new URL('./memory-probe.ts', import.meta.url),
)}`;

/**
 * The memory of a program started with `NODE_OPTIONS: MEMORY_PROBE_OPTIONS`, after a full
 * garbage collection.
 */
export async function memoryOf(program: Program): Promise<NodeJS.MemoryUsage> {
  const reported = program.output.next(/^memory /);
  program.child.kill('SIGUSR2');
  return JSON.parse((await reported).slice('memory '.length)) as NodeJS.MemoryUsage;
}
