import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository's root folder. */
export const root = fileURLToPath(new URL('../../', import.meta.url));

/**
 * Every markdown document in the repository (READMEs, REFERENCEs, how-tos, results; not in
 * node_modules or test-results), as paths relative to the root.
 */
export function documents(dir = root): string[] {
  const found: string[] = [];
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'test-results' || name.startsWith('.')) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) found.push(...documents(path));
    else if (name.endsWith('.md')) found.push(relative(root, path));
  }
  return found.sort();
}

export function read(path: string): string {
  return readFileSync(join(root, path), 'utf8');
}

/** The text outside fenced code blocks (where links and headings live). */
export function prose(markdown: string): string {
  return markdown.replace(/^```[\s\S]*?^```/gm, '');
}

/** The fenced code blocks of a given language (```mermaid, ```sh ...). */
export function codeBlocks(markdown: string, language?: string): string[] {
  const blocks: string[] = [];
  for (const match of markdown.matchAll(/^```(\w*)\n([\s\S]*?)^```/gm)) {
    if (language === undefined || match[1] === language) blocks.push(match[2] ?? '');
  }
  return blocks;
}

/** Every `[text](target)` link target in the prose. */
export function links(markdown: string): string[] {
  return [...prose(markdown).matchAll(/\]\(([^)\s]+)\)/g)].map((match) => match[1] ?? '');
}

/** Every `[text](target)` link in the prose, with its text (links inside the text aside). */
export function linksWithText(markdown: string): { text: string; target: string }[] {
  return [...prose(markdown).matchAll(/\[([^\][]*)\]\(([^)\s]+)\)/g)].map((match) => ({
    text: match[1] ?? '',
    target: match[2] ?? '',
  }));
}

/**
 * The headings of one level (`##`: 2), outside fenced code blocks, as they are written:
 * `## Run it`.
 */
export function headings(markdown: string, level: number): string[] {
  const mark = `${'#'.repeat(level)} `;
  return linesOutsideCode(markdown)
    .map(({ line }) => line)
    .filter((line) => line.startsWith(mark));
}

/**
 * The section a heading opens (`## Limits`): its text, heading excluded, up to the next heading
 * of the same level or above; undefined when the heading is not there.
 */
export function section(markdown: string, heading: string): string | undefined {
  const level = /^#+/.exec(heading)?.[0].length ?? 0;
  const lines = markdown.split('\n');
  const outside = linesOutsideCode(markdown);
  const start = outside.find(({ line }) => line === heading);
  if (start === undefined) return undefined;
  const end = outside.find(({ line, index }) => {
    const depth = /^(#+) /.exec(line)?.[1]?.length;
    return index > start.index && depth !== undefined && depth <= level;
  });
  return lines.slice(start.index + 1, end?.index).join('\n');
}

/** The lines outside fenced code blocks, with their index in the file (from 0). */
function linesOutsideCode(markdown: string): { line: string; index: number }[] {
  const outside: { line: string; index: number }[] = [];
  let fenced = false;
  markdown.split('\n').forEach((line, index) => {
    if (line.trimStart().startsWith('```')) fenced = !fenced;
    else if (!fenced) outside.push({ line, index });
  });
  return outside;
}

/** `## Some heading` -> `some-heading`, as GitHub makes anchors for headings. */
export function anchor(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

/** The anchors of every heading in a markdown file. */
export function anchors(markdown: string): string[] {
  return [...prose(markdown).matchAll(/^#{1,6} (.+)$/gm)].map((match) => anchor(match[1] ?? ''));
}
