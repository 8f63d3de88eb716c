import { afterEach, describe, expect, it } from 'vitest';
import { type Program, spawnProgram } from './program.ts';

/**
 * `--help` and mistakes on the command line, for every full program (support/src/options.ts
 * writes the help from the table it reads the options with): each run as a program, as a
 * learner runs it. `flags` are options its help must list.
 */
export function helpContract(packageDir: string, name: string, flags: string[]): void {
  describe(`${name}: --help and unknown options`, () => {
    // A program that takes --help for something else (a server that starts, a client that
    // connects) would run on: it is stopped after the test.
    let running: Program[] = [];
    afterEach(() => {
      for (const program of running) program.child.kill('SIGKILL');
      running = [];
    });

    async function run(...args: string[]) {
      const program = spawnProgram(packageDir, args, { PORT: '0' });
      running.push(program);
      const { code } = await program.exited;
      return { code, stdout: program.stdout.lines, stderr: program.stderr.lines };
    }

    it('--help: usage, options, environment and one example on stdout, exit 0', async () => {
      const { code, stdout, stderr } = await run('--help');
      expect(stderr).toEqual([]);
      expect(code).toBe(0);
      expect(stdout[0]).toMatch(new RegExp(`^${name}: \\S`));
      expect(
        stdout.filter((line) => line.startsWith(`Usage: pnpm --filter ${name} start `)),
      ).toHaveLength(1);
      expect(stdout).toContain('Options:');
      expect(stdout).toContain('Example:');
      for (const flag of [...flags, '--help, -h']) {
        expect(
          stdout.some((line) => line.startsWith(`  ${flag} `)),
          flag,
        ).toBe(true);
      }
    });

    it('-- --help, as `pnpm start -- --help` passes it: the same help', async () => {
      const [plain, dashed] = await Promise.all([run('--help'), run('--', '--help')]);
      expect(dashed).toEqual(plain);
    });

    it('an unknown option: one line that points to --help, exit 2', async () => {
      const { code, stdout, stderr } = await run('--no-such-option');
      expect({ code, stdout, stderr }).toEqual({
        code: 2,
        stdout: [],
        stderr: ["unknown option '--no-such-option'; see --help"],
      });
    });
  });
}
