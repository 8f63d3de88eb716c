import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository's root folder. */
export const root = fileURLToPath(new URL('../../', import.meta.url));

/** Every README.md in the repository (not in node_modules), as paths relative to the root. */
export function readmes(dir = root): string[] {
  const found: string[] = [];
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) found.push(...readmes(path));
    else if (name === 'README.md') found.push(relative(root, path));
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
