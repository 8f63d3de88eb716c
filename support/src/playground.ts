import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

/**
 * The browser page every server shows at `/`: one file, ../playground/index.html, with its
 * style and script inside it, so there is no build step and nothing to fetch from elsewhere.
 */
const template = readFileSync(new URL('../playground/index.html', import.meta.url), 'utf8');

export interface Page {
  body: Buffer;
  headers: Record<string, string>;
}

/**
 * How the page shows frames:
 *   inspector  the server wrote its frames itself, and shows each of them (see inspector.ts);
 *   library    the server is built on `ws`, which keeps frames to itself: the page says so in one
 *              line and points to native-server's page;
 *   off        a hand-written server started with --no-inspector: the page says so in one line.
 */
export type FramesView = 'inspector' | 'library' | 'off';

/**
 * The page with the server's name in its title, and the headers to serve it with. `path` is where
 * the server speaks WebSocket (`/ws`): the page connects there.
 */
export function playgroundPage(serverName: string, frames: FramesView, path: string): Page {
  // A path goes into an HTML attribute: only the characters a URL path is written with.
  if (!/^\/[A-Za-z0-9\-._~!$&'()*+,;=:@/%]*$/.test(path)) {
    throw new RangeError(`not a URL path: ${path}`);
  }
  // The script reads the view and the path from <body data-frames data-path>: one script for
  // every server, one hash in the CSP.
  const body = Buffer.from(
    template
      .replaceAll('%SERVER%', serverName)
      .replace('%FRAMES%', frames)
      .replace('%PATH%', path.replaceAll('&', '&amp;').replaceAll("'", '&#39;')),
  );
  return {
    body,
    headers: {
      'Content-Type': 'text/html; charset=utf-8',
      'Content-Length': String(body.length),
      'Cache-Control': 'no-cache',
      'X-Content-Type-Options': 'nosniff',
      // The page may run only its own script and style (named by their hashes), and connect only
      // to the server it came from: 'self' covers ws: and wss: on the same host and port.
      'Content-Security-Policy': [
        "default-src 'none'",
        `script-src ${hashOf('script')}`,
        `style-src ${hashOf('style')}`,
        "connect-src 'self'",
        "base-uri 'none'",
        "form-action 'none'",
      ].join('; '),
    },
  };
}

/** The CSP hash of the page's inline <script> or <style> block. */
function hashOf(tag: 'script' | 'style'): string {
  const match = new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`).exec(template);
  if (!match?.[1]) throw new Error(`playground/index.html has no <${tag}> block`);
  return `'sha256-${createHash('sha256').update(match[1]).digest('base64')}'`;
}
