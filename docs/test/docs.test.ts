import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  anchors,
  codeBlocks,
  documents,
  links,
  linksWithText,
  prose,
  read,
  root,
} from './markdown.ts';

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

// A numbered step comment in the code, where a README's step links to: `// 3. The upgrade`,
// `/** 3. ...`, or a doc comment's line ` * 3. ...`.
const STEP_COMMENT = /^\s*(\/\/|\/\*\*|\*)\s*\d+\./;

// pnpm's own commands, which are not scripts.
const PNPM_COMMANDS = ['install', 'add', 'remove', 'exec', 'dlx', 'run', 'update', 'why', 'list'];

describe.each(documents())('%s', (path) => {
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

  it('points every link into a .ts file at a line with a numbered step comment', () => {
    for (const { text, target: link } of linksWithText(markdown)) {
      const [file = '', fragment] = link.split('#');
      if (/^[a-z]+:/.test(link) || !file.endsWith('.ts') || fragment === undefined) continue;
      const target = normalize(join(dirname(path), file));
      const line = /^L(\d+)$/.exec(fragment)?.[1];
      expect(line, `${link}: a link into code names one line, #L<n>`).toBeDefined();
      const lines = existsSync(join(root, target)) ? read(target).split('\n') : [];
      const number = Number(line);
      expect(number, `${link}: ${target} has ${lines.length} lines`).toBeLessThanOrEqual(
        lines.length,
      );
      expect(lines[number - 1], `${link}: line ${number} of ${target}`).toMatch(STEP_COMMENT);
      // A link written as its place, [src/server.ts:57], says the place it points to.
      const place = /^`?([\w./-]+\.ts):(\d+)`?$/.exec(text);
      if (place) expect(`${place[1]}#L${place[2]}`, `[${text}](${link})`).toBe(link);
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

describe('the top README', () => {
  it('lists the exercises in the order of the lesson', () => {
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
