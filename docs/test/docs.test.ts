import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { describe, expect, it } from 'vitest';
import { anchors, codeBlocks, links, prose, read, readmes, root } from './markdown.ts';

/** Every workspace package: its folder, name and scripts. */
const packages = [
  'shared',
  'support',
  'docs',
  'bench',
  'conformance',
  ...readdirSync(join(root, 'exercises/part2')).map((name) => `exercises/part2/${name}`),
]
  .filter((dir) => existsSync(join(root, dir, 'package.json')))
  .map((dir) => {
    const manifest = JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8'));
    return { dir, name: manifest.name as string, scripts: Object.keys(manifest.scripts ?? {}) };
  });
const rootScripts = Object.keys(JSON.parse(read('package.json')).scripts);

// The diagram types Mermaid knows; a block must start with one of them.
const MERMAID_TYPES = [
  'sequenceDiagram',
  'flowchart',
  'graph',
  'stateDiagram',
  'stateDiagram-v2',
  'classDiagram',
  'erDiagram',
  'gantt',
  'pie',
  'journey',
  'gitGraph',
  'mindmap',
  'timeline',
  'quadrantChart',
  'requirementDiagram',
];

// What every exercise README has, in this order.
const TEMPLATE = [
  '## What you will learn',
  '## How it works',
  '## Run it',
  '## Try it',
  '## What the tests check',
  '## Things to try next',
];

// pnpm's own commands, which are not scripts.
const PNPM_COMMANDS = ['install', 'add', 'remove', 'exec', 'dlx', 'run', 'update', 'why', 'list'];

describe.each(readmes())('%s', (path) => {
  const markdown = read(path);

  it('has relative links that all resolve, #anchors included', () => {
    for (const link of links(markdown)) {
      if (/^[a-z]+:/.test(link)) continue; // https:, mailto: ...
      const [file = '', fragment] = link.split('#');
      const target = file === '' ? path : normalize(join(dirname(path), file));
      expect(existsSync(join(root, target)), `${link} -> ${target}`).toBe(true);
      if (fragment !== undefined && target.endsWith('.md')) {
        expect(anchors(read(target)), `${link}: no heading makes #${fragment}`).toContain(fragment);
      }
    }
  });

  it('names real packages and scripts in its pnpm commands', () => {
    for (const match of markdown.matchAll(
      /pnpm(?:@[\d.]+)? (?:--silent )?--filter ([\w-]+) (?:run )?([\w:-]+)/g,
    )) {
      const [command, name, script] = match;
      const found = packages.find((candidate) => candidate.name === name);
      expect(found, `${command}: no package named ${name}`).toBeDefined();
      expect(found?.scripts, `${command}: ${name} has no script ${script}`).toContain(script);
    }
    for (const match of prose(markdown).matchAll(/`pnpm ([a-z][\w:-]*)/g)) {
      const [command, script = ''] = match;
      if (PNPM_COMMANDS.includes(script)) continue;
      expect(rootScripts, `${command}: the root package.json has no script ${script}`).toContain(
        script,
      );
    }
  });

  it('declares a known diagram type in every mermaid block', () => {
    for (const block of codeBlocks(markdown, 'mermaid')) {
      const type = block.trim().split(/\s/)[0] ?? '';
      expect(MERMAID_TYPES, `mermaid block starting "${block.trim().slice(0, 30)}"`).toContain(
        type,
      );
    }
  });
});

describe('the exercises', () => {
  const exercises = readdirSync(join(root, 'exercises/part2')).filter((name) =>
    statSync(join(root, 'exercises/part2', name)).isDirectory(),
  );

  it.each(exercises)('%s has a README with every template heading, in order', (exercise) => {
    const path = `exercises/part2/${exercise}/README.md`;
    expect(existsSync(join(root, path)), `${path} is missing`).toBe(true);
    const headings = prose(read(path))
      .split('\n')
      .filter((line) => line.startsWith('## '));
    expect(headings.filter((heading) => TEMPLATE.includes(heading))).toEqual(TEMPLATE);
  });

  it.each(exercises)('%s shows how to run it and how to test it', (exercise) => {
    const path = `exercises/part2/${exercise}/README.md`;
    const name = JSON.parse(read(`exercises/part2/${exercise}/package.json`)).name as string;
    const markdown = read(path);
    for (const script of ['start', 'test']) {
      expect(markdown, `${path} never shows pnpm --filter ${name} ${script}`).toContain(
        `pnpm --filter ${name} ${script}`,
      );
    }
  });

  it.each(exercises)('%s explains itself with a sequence diagram', (exercise) => {
    const blocks = codeBlocks(read(`exercises/part2/${exercise}/README.md`), 'mermaid');
    expect(blocks.some((block) => block.trim().startsWith('sequenceDiagram'))).toBe(true);
  });

  it('are all in the top README table, in the order of the lesson', () => {
    const readme = read('README.md');
    const order = [
      'echo-server',
      'client',
      'native-server',
      'native-client',
      'hello-server',
      'hello-server-ws',
    ];
    const positions = order.map((name) =>
      readme.indexOf(`(exercises/part2/12-websocket-${name}/README.md)`),
    );
    expect(positions.every((position) => position > 0)).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
  });
});

describe('the quick start', () => {
  const quickStart = codeBlocks(read('README.md'), 'sh').slice(0, 2);

  it('is two commands: one starts echo-server, one runs every test', () => {
    expect(quickStart).toHaveLength(2);
    expect(quickStart[0]).toMatch(/install && npx --yes pnpm@[\d.]+ --filter echo-server start\n$/);
    expect(quickStart[1]).toMatch(/install && npx --yes pnpm@[\d.]+ test\n$/);
  });

  it('pins the pnpm version the repository declares', () => {
    const pinned = JSON.parse(read('package.json')).packageManager as string;
    for (const command of quickStart) expect(command).toContain(`npx --yes ${pinned} `);
  });

  it('is what CI runs', () => {
    expect(read('.ci/run')).toContain(`'${quickStart[1]?.trim()}'`);
  });
});
