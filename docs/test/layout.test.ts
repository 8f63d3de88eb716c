import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { codeBlocks, read, root } from './markdown.ts';

/** The exercises, with what each may depend on: `ws` for the library ones, `shared` by hand. */
const exercises = readdirSync(join(root, 'exercises/part2'))
  .filter((name) => statSync(join(root, 'exercises/part2', name)).isDirectory())
  .map((folder) => {
    const dir = `exercises/part2/${folder}`;
    const manifest = JSON.parse(read(`${dir}/package.json`));
    return {
      folder,
      dir,
      name: manifest.name as string,
      manifest: manifest as {
        scripts?: Record<string, string>;
        dependencies?: Record<string, string>;
        devDependencies?: Record<string, string>;
      },
    };
  });
const exerciseNames = exercises.map((exercise) => exercise.name);
const BY_HAND = ['native-server', 'native-client', 'hello-server'];

/** Every .ts file below `dir` (relative to the root), node_modules aside. */
function typeScriptFiles(dir: string): string[] {
  const found: string[] = [];
  for (const name of readdirSync(join(root, dir))) {
    if (name === 'node_modules' || name === 'test-results') continue;
    const path = join(dir, name);
    if (statSync(join(root, path)).isDirectory()) found.push(...typeScriptFiles(path));
    else if (name.endsWith('.ts')) found.push(path);
  }
  return found;
}

describe.each(exercises)('$name stands alone', ({ dir, name, manifest }) => {
  it('depends on support, and on ws (with the library) or shared (by hand), nothing else', () => {
    const allowed = ['support', BY_HAND.includes(name) ? 'shared' : 'ws'];
    expect(Object.keys(manifest.dependencies ?? {}).sort()).toEqual(allowed.sort());
    const devDependencies = Object.keys(manifest.devDependencies ?? {});
    expect(devDependencies.filter((dependency) => exerciseNames.includes(dependency))).toEqual([]);
  });

  it('imports no other exercise, in its code or its tests', () => {
    for (const file of typeScriptFiles(dir)) {
      const source = readFileSync(join(root, file), 'utf8');
      for (const match of source.matchAll(/from '([^']+)'/g)) {
        const target = match[1] ?? '';
        const packageName = target.split('/')[0] ?? '';
        expect(exerciseNames.includes(packageName), `${file} imports ${target}`).toBe(false);
        expect(target.includes('12-websocket-'), `${file} imports ${target}`).toBe(false);
      }
    }
  });

  it('has a seed-sized src/minimal.ts, run by start:minimal', () => {
    expect(existsSync(join(root, dir, 'src/minimal.ts'))).toBe(true);
    expect(manifest.scripts?.['start:minimal']).toBe('tsx src/minimal.ts');
  });
});

describe('the top README', () => {
  const block = codeBlocks(read('README.md'), 'text').find((text) => text.includes('shared/'));

  it('has a layout that names every package folder and every exercise', () => {
    expect(block).toBeDefined();
    const workspace = read('pnpm-workspace.yaml');
    const topLevel = [...workspace.matchAll(/^\s*-\s*(\w+)$/gm)].map((match) => match[1]);
    for (const folder of topLevel) expect(block, folder).toContain(`${folder}/`);
    for (const { folder } of exercises) expect(block, folder).toContain(`${folder}/`);
  });

  /** Each line of the layout that names a folder: the folder, from the root, and the line. */
  const folders = (block ?? '').split('\n').flatMap((line) => {
    const path = /^\s*([\w.-]+\/(?:[\w.-]+\/?)*)(?:\s|$)/.exec(line)?.[1];
    if (!path) return [];
    return [{ full: line.startsWith('  ') ? `exercises/part2/${path}` : path, line }];
  });

  it('names only folders that exist', () => {
    for (const { full } of folders) {
      expect(existsSync(join(root, full)), relative(root, join(root, full))).toBe(true);
    }
  });

  it("says, in brackets, what each package builds on: the lesson's packages and ws it depends on", () => {
    const packageDirs = folders.filter(({ full }) => existsSync(join(root, full, 'package.json')));
    const lesson = [
      'ws',
      ...packageDirs.map(({ full }) => JSON.parse(read(join(full, 'package.json'))).name as string),
    ];
    expect(packageDirs.length).toBeGreaterThan(exercises.length);
    for (const { full, line } of packageDirs) {
      const said = /\(([^)]*)\)\s*$/.exec(line)?.[1];
      expect(said, `${full}: no (what it builds on) at the end of its line`).toBeDefined();
      const named = said === 'no dependencies' ? [] : (said ?? '').split(', ');
      const manifest = JSON.parse(read(join(full, 'package.json')));
      const dependencies = Object.keys(manifest.dependencies ?? {}).filter((name) =>
        lesson.includes(name),
      );
      expect(named.sort(), full).toEqual(dependencies.sort());
    }
  });
});
