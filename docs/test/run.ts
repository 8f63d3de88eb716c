import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { root } from './markdown.ts';

/**
 * Runs a command to its end, in `cwd` (the repository's root by default) and in the environment
 * of this run without what vitest set for itself: what it printed on each stream, and its exit
 * code.
 */
export async function runToEnd(
  command: string,
  args: string[],
  cwd = root,
): Promise<{ stdout: string; stderr: string; code: number | null }> {
  const child = spawn(command, args, {
    cwd,
    env: Object.fromEntries(
      Object.entries(process.env).filter(([name]) => !name.startsWith('VITEST')),
    ),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk;
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk;
  });
  const [code] = (await once(child, 'close')) as [number | null];
  return { stdout, stderr, code };
}
