/**
 * The cases as a whole: ids unique and stable in form, every section titled, every lesson link
 * a real heading, enough cases in every family, and --cases picking by id or section prefix.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { clientCases } from '../src/client/mode.ts';
import { LESSON } from '../src/lesson.ts';
import { picks, SECTION_TITLES, sectionKey } from '../src/sections.ts';
import { serverCases } from '../src/server/mode.ts';
import { packageDir, rootDir } from './support/check.ts';

const cases = serverCases();

/** The anchor GitHub gives a heading: lower case, punctuation dropped, spaces to hyphens. */
function anchor(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

describe('the server cases', () => {
  it('are several hundred, with unique ids made of their section key and a number', () => {
    expect(cases.length).toBeGreaterThan(350);
    expect(new Set(cases.map((c) => c.id)).size).toBe(cases.length);
    for (const c of cases)
      expect(c.id).toMatch(new RegExp(`^${sectionKey(c.section).replace(/\./g, '\\.')}/\\d+$`));
  });

  it('rest on sections that all have a title', () => {
    for (const c of cases) expect(SECTION_TITLES, c.id).toHaveProperty([c.section]);
  });

  it('cover every family, each with a good number of cases', () => {
    const families = new Map<string, number>();
    for (const c of cases) families.set(c.family, (families.get(c.family) ?? 0) + 1);
    expect([...families.keys()]).toEqual([
      'Opening handshake',
      'Framing',
      'Control frames',
      'Fragmentation',
      'UTF-8',
      'Closing',
      'Limits and speed',
    ]);
    for (const [family, count] of families) expect(count, family).toBeGreaterThanOrEqual(10);
  });

  it('say their rule in words, and link to the lesson', () => {
    const links = Object.values(LESSON).map((lesson) => lesson.path);
    for (const c of cases) {
      expect(c.rule.length, c.id).toBeGreaterThan(40);
      expect(links, c.id).toContain(c.lesson.path);
    }
  });
});

describe('the client cases', () => {
  const clients = clientCases();

  it('are a few dozen, with unique ids made of their section key and a number', () => {
    expect(clients.length).toBeGreaterThan(60);
    expect(new Set(clients.map((c) => c.id)).size).toBe(clients.length);
    for (const c of clients)
      expect(c.id).toMatch(new RegExp(`^${sectionKey(c.section).replace(/\./g, '\\.')}/\\d+$`));
  });

  it('rest on sections that all have a title, and cover every family of the issue', () => {
    for (const c of clients) expect(SECTION_TITLES, c.id).toHaveProperty([c.section]);
    expect([...new Set(clients.map((c) => c.family))]).toEqual([
      'Opening handshake',
      'Framing',
      'Control frames',
      'Fragmentation',
      'UTF-8',
      'Closing',
    ]);
  });

  it('say their rule in words, and link to the lesson', () => {
    const links = Object.values(LESSON).map((lesson) => lesson.path);
    for (const c of clients) {
      expect(c.rule.length, c.id).toBeGreaterThan(40);
      expect(links, c.id).toContain(c.lesson.path);
    }
  });
});

describe('the lesson links', () => {
  it.each(Object.entries(LESSON))('%s points at a heading of its README', (_, lesson) => {
    const [file = '', fragment = ''] = lesson.path.split('#');
    const markdown = readFileSync(join(rootDir, file), 'utf8').replace(/^```[\s\S]*?^```/gm, '');
    const anchors = [...markdown.matchAll(/^#{1,6} (.+)$/gm)].map((match) =>
      anchor(match[1] ?? ''),
    );
    expect(anchors).toContain(fragment);
  });
});

describe('--cases', () => {
  it.each([
    { item: '5.5', id: '5.5.2/1', section: '5.5.2', picked: true },
    { item: '5.5', id: '5.5/1', section: '5.5', picked: true },
    { item: '5.5', id: '5.50/1', section: '5.50', picked: false },
    { item: '5', id: '5.4/2', section: '5.4', picked: true },
    { item: '5.4/2', id: '5.4/2', section: '5.4', picked: true },
    { item: '5.4/2', id: '5.4/3', section: '5.4', picked: false },
    { item: '9110', id: '9110-7.2/1', section: 'RFC 9110 7.2', picked: true },
    { item: 'RFC 9110 7.2', id: '9110-7.2/1', section: 'RFC 9110 7.2', picked: true },
    { item: '9110-7', id: '9110-7.2/1', section: 'RFC 9110 7.2', picked: true },
    { item: '9112', id: '9110-7.2/1', section: 'RFC 9110 7.2', picked: false },
    { item: '7.4.1', id: '7.4.2/1', section: '7.4.2', picked: false },
  ])('$item picks $id: $picked', ({ item, id, section, picked }) => {
    expect(picks(item, id, section)).toBe(picked);
  });
});

describe('the checker', () => {
  /** Every .ts file below a folder. */
  const files = (dir: string): string[] =>
    readdirSync(dir).flatMap((name) => {
      const path = join(dir, name);
      return statSync(path).isDirectory() ? files(path) : name.endsWith('.ts') ? [path] : [];
    });

  it("imports nothing but Node's built-in modules and its own files: not shared, not ws", () => {
    const src = join(packageDir, 'src');
    for (const file of files(src)) {
      for (const match of readFileSync(file, 'utf8').matchAll(/(?:from|import) '([^']+)'/g)) {
        const target = match[1] ?? '';
        const inside =
          target.startsWith('.') && !relative(src, join(file, '..', target)).startsWith('..');
        expect(
          target.startsWith('node:') || inside,
          `${relative(packageDir, file)} imports ${target}`,
        ).toBe(true);
      }
    }
  });
});
