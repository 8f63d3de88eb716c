// Each exercise's two documents, in the shape every exercise shares: README.md, the tutorial (one
// path that works at every step, read in one sitting), and REFERENCE.md beside it (options,
// limits, tests, measurements: looked up, not read through).
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { codeBlocks, headings, links, read, root, section } from './markdown.ts';
import { runToEnd } from './run.ts';

/** The tutorial's `##` sections: these, and no others, in this order. */
const TUTORIAL = [
  '## Run it',
  '## The minimal version',
  '## The full version, step by step',
  '## Write your own',
  '## Try next',
];

/** The reference's first `##` sections, in this order (more may follow: TLS, the page...). */
const REFERENCE = [
  '## Options and environment',
  '## Limits',
  '## What the tests check',
  '## Measurements',
];

/** A tutorial is read in one sitting: everything looked up goes to REFERENCE.md. */
const MAX_TUTORIAL_LINES = 300;

/** The hello servers and the echo servers they are copies of. */
const TWINS: Record<string, string> = {
  'hello-server': 'native-server',
  'hello-server-ws': 'echo-server',
};

const CLIENTS = ['client', 'native-client'];

const exercises = readdirSync(join(root, 'exercises/part2'))
  .filter((folder) => statSync(join(root, 'exercises/part2', folder)).isDirectory())
  .map((folder) => {
    const dir = `exercises/part2/${folder}`;
    const name = JSON.parse(read(`${dir}/package.json`)).name as string;
    return { folder, dir, name };
  });

/** A file's lines, counted as `wc -l` counts them. */
function lineCount(text: string): number {
  return text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
}

/** A document of an exercise, or '' when it is missing (the test that needs it says so). */
function documentOf(dir: string, file: string): string {
  return existsSync(join(root, dir, file)) ? read(`${dir}/${file}`) : '';
}

/** The .ts files of an exercise's src/, as lines. */
function sourceLines(dir: string): Set<string> {
  const lines = new Set<string>();
  for (const file of readdirSync(join(root, dir, 'src'))) {
    if (!file.endsWith('.ts')) continue;
    for (const line of readFileSync(join(root, dir, 'src', file), 'utf8').split('\n')) {
      lines.add(line);
    }
  }
  return lines;
}

/**
 * What `--help` prints: the exercise's src/main.ts run through tsx, as support/testing's
 * spawnProgram runs a program (and as `pnpm --filter <exercise> start --help` does, without
 * pnpm), in the environment of this run without what vitest set for itself.
 */
async function helpOf(dir: string) {
  return runToEnd(process.execPath, ['--import', 'tsx', 'src/main.ts', '--help'], join(root, dir));
}

describe.each(exercises)('$name: README.md, the tutorial', ({ dir, folder, name }) => {
  const path = `${dir}/README.md`;
  const readme = documentOf(dir, 'README.md');

  it(`is at most ${MAX_TUTORIAL_LINES} lines`, () => {
    expect(existsSync(join(root, path)), `${path} is missing`).toBe(true);
    expect(lineCount(readme)).toBeLessThanOrEqual(MAX_TUTORIAL_LINES);
  });

  it('is titled with its name and what it is, and links to its REFERENCE.md', () => {
    expect(readme.split('\n')[0]).toMatch(new RegExp(`^# ${name}: \\S`));
    expect(links(readme).map((link) => link.split('#')[0])).toContain('REFERENCE.md');
  });

  it('has the sections of every tutorial, and only those, in order', () => {
    expect(headings(readme, 2)).toEqual(TUTORIAL);
  });

  it('shows how to run it, the minimal version first, and how to test it', () => {
    expect(readme).toMatch(new RegExp(`pnpm --filter ${name} start(?![\\w:-])`));
    const full = readme.indexOf('\n## The full version, step by step');
    const minimal = readme.indexOf(`pnpm --filter ${name} start:minimal`);
    expect(minimal, `never shows pnpm --filter ${name} start:minimal`).toBeGreaterThan(0);
    expect(minimal, 'start:minimal is shown after the full version').toBeLessThan(full);
    expect(section(readme, '## The minimal version') ?? '').toContain('src/minimal.ts');
    // The tests are the reference's: the command may be in either document.
    expect(`${readme}${documentOf(dir, 'REFERENCE.md')}`).toContain(`pnpm --filter ${name} test`);
  });

  it('explains itself with a sequence diagram', () => {
    const blocks = codeBlocks(readme, 'mermaid');
    expect(blocks.some((block) => block.trim().startsWith('sequenceDiagram'))).toBe(true);
  });

  it('says, in Write your own, how pnpm conformance checks this kind of program', () => {
    const commands = codeBlocks(section(readme, '## Write your own') ?? '')
      .flatMap((block) => block.split('\n'))
      .filter((line) => line.startsWith('pnpm conformance '));
    // A client is checked in client mode, with this exercise's folder; a server at its URL.
    const shape = CLIENTS.includes(name)
      ? `pnpm conformance --client "cd exercises/part2/${folder} && `
      : 'pnpm conformance ws';
    expect(
      commands.some((command) => command.startsWith(shape)),
      `no command starting ${shape}`,
    ).toBe(true);
  });

  it('ends with things to try next', () => {
    expect(section(readme, '## Try next') ?? '').toMatch(/^(-|\d+\.) \S/m);
  });
});

describe.each(exercises)('$name: REFERENCE.md, beside it', ({ dir, name }) => {
  const path = `${dir}/REFERENCE.md`;
  const reference = documentOf(dir, 'REFERENCE.md');

  it('exists, titled as a reference, with its sections in order', () => {
    expect(existsSync(join(root, path)), `${path} is missing`).toBe(true);
    expect(reference.split('\n')[0]).toBe(`# ${name}: reference`);
    expect(headings(reference, 2).slice(0, REFERENCE.length)).toEqual(REFERENCE);
  });

  it('shows in Options and environment exactly what --help prints', async () => {
    const help = await helpOf(dir);
    expect(help.stderr).toBe('');
    expect(help.code).toBe(0);
    const block = codeBlocks(section(reference, '## Options and environment') ?? '', 'text')[0];
    expect(block, 'no ```text block in Options and environment').toBeDefined();
    expect(block).toBe(help.stdout);
  });
});

describe.each(Object.entries(TWINS))('%s and its twin, %s', (name, twin) => {
  const dir = exercises.find((exercise) => exercise.name === name)?.dir ?? '';
  const twinDir = exercises.find((exercise) => exercise.name === twin)?.dir ?? '';
  const readme = documentOf(dir, 'README.md');
  const differs = section(readme, `### What differs from ${twin}`);
  const diff = codeBlocks(differs ?? '', 'diff').join('\n');

  it(`shows what differs from ${twin} in a diff block, and says the rest is a copy`, () => {
    expect(differs, `no "### What differs from ${twin}"`).toBeDefined();
    expect(diff, 'no ```diff block in it').not.toBe('');
    expect(readme).toMatch(/copied on purpose|copy, on purpose/);
  });

  it('has a diff made of lines of the two programs, as they are', () => {
    const ours = sourceLines(dir);
    const theirs = sourceLines(twinDir);
    for (const line of diff.split('\n')) {
      // git's header lines, a blank line, and a cut made by hand (`...`) are not code.
      if (/^(\+\+\+|---|@@|diff |index )/.test(line) || /^.?\s*(\.\.\.|…)?\s*$/.test(line)) {
        continue;
      }
      const code = line.slice(1);
      const [side, lines] = line.startsWith('-') ? [twin, theirs] : [name, ours];
      expect(lines.has(code), `${side}'s src/ has no line "${code}"`).toBe(true);
    }
  });
});
