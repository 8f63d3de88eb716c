import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ServerOptions } from '../src/options.ts';
import type { RunningServer } from '../src/server.ts';
import { browserMissing, launchBrowser } from './browser.ts';
import { subscribeToInspector } from './inspector-client.ts';
import { testServerOptions } from './server-options.ts';

export interface InspectorContract {
  /** The server's name, as the page shows it. */
  name: string;
  /** The package folder: `UPDATE_SCREENSHOTS=1` writes `docs/inspector.png` there. */
  packageDir: string;
  createServer(options: ServerOptions): Promise<RunningServer>;
  /** The hello servers greet first. */
  greets: boolean;
}

// Each of these resolves as soon as the page shows what it names (Playwright waits for it).
const frameList = (page: Page) => page.getByRole('list', { name: 'Frames' });
const frames = (page: Page) => frameList(page).locator(':scope > li');
/** The first frame entry that holds every text given. */
function frame(page: Page, ...texts: (string | RegExp)[]): Locator {
  let found = frames(page);
  for (const text of texts) found = found.filter({ hasText: text });
  return found.first();
}
const message = (page: Page, text: string | RegExp) =>
  page.getByRole('list', { name: 'Messages' }).getByRole('listitem').filter({ hasText: text });
/** The position of an entry in the frame list. */
const indexOf = (entry: Locator) =>
  entry.evaluate((node) => Array.prototype.indexOf.call(node.parentElement?.children, node));

/** Run in a page: opens a WebSocket to `url`, closes it once open; resolves with the close code. */
const openAndClose = (url: string) =>
  new Promise<number>((resolve) => {
    const ws = new WebSocket(url);
    ws.onopen = () => ws.close(1000);
    ws.onclose = (event) => resolve(event.code);
  });

/**
 * The frame inspector of the hand-written servers' page, in a real Chromium: the handshake and
 * every frame of the page's own connection, and of no other. Skipped without Chromium.
 */
export function inspectorContract(contract: InspectorContract): void {
  describe.skipIf(browserMissing !== undefined)(`the frame inspector of ${contract.name}`, () => {
    let browser: Browser;
    let server: RunningServer | undefined;
    const contexts: BrowserContext[] = [];
    beforeAll(async () => {
      browser = await launchBrowser();
    });
    afterAll(() => browser?.close());
    afterEach(async () => {
      for (const context of contexts.splice(0)) await context.close();
      await server?.close();
      server = undefined;
    });

    async function start(overrides: Partial<ServerOptions> = {}) {
      const options = testServerOptions({ name: contract.name, ...overrides });
      server = await contract.createServer(options);
      return Object.assign(server, { output: options.output });
    }

    /** A page in a context of its own (its own cookies and storage), connected. */
    async function connectedPage(
      running: RunningServer,
      viewport = { width: 1000, height: 900 },
      cookies: { name: string; value: string; httpOnly: boolean }[] = [],
    ) {
      const context = await browser.newContext({ viewport });
      contexts.push(context);
      const url = `http://localhost:${running.port}/`;
      if (cookies.length > 0) await context.addCookies(cookies.map((c) => ({ ...c, url })));
      const page = await context.newPage();
      await page.goto(`http://localhost:${running.port}/`);
      await page.getByRole('button', { name: 'Connect', exact: true }).click();
      await page
        .getByRole('status')
        .filter({ hasText: /^open$/ })
        .waitFor();
      return page;
    }

    async function send(page: Page, text: string) {
      await page.getByLabel('Message', { exact: true }).fill(text);
      await page.getByLabel('Message', { exact: true }).press('Enter');
    }

    it('shows the handshake, then the masked "Hello" and its unmasked echo', async () => {
      const page = await connectedPage(await start());
      const handshake = frame(page, 'the opening handshake');
      await handshake.waitFor();
      // The accept key in three steps, and the 101 carries the result.
      const steps = await handshake.locator('dd').allTextContents();
      const base64 = steps[2] ?? '';
      expect(steps[0]).toMatch(/^[A-Za-z0-9+/]{22}==258EAFA5-E914-47DA-95CA-C5AB0DC85B11$/);
      expect(steps[1]).toMatch(/^[0-9a-f]{2}( [0-9a-f]{2}){19}$/);
      expect(await handshake.textContent()).toContain(`Sec-WebSocket-Accept: ${base64}`);
      // Chromium offers compression; this server declines it by leaving it out of the 101.
      expect(await handshake.textContent()).toMatch(
        /Sec-WebSocket-Extensions: permessage-deflate.*implements no extension/,
      );
      if (contract.greets) {
        // The greeting is the first frame, before the page has sent anything.
        await frame(page, 'server → browser', /Hello! Your IP is/).waitFor();
        expect(await indexOf(frame(page, 'server → browser'))).toBe(1);
      }

      await send(page, 'Hello');
      const sent = frame(page, 'browser → server', 'FIN=1 opcode=1 (text) MASK=1 length=5');
      await sent.waitFor();
      const sentText = await sent.textContent();
      expect(sentText).toMatch(/masking key([0-9a-f]{2} ){3}[0-9a-f]{2}(?![0-9a-f ])/);
      expect(sentText).toContain('payload, unmasked48 65 6c 6c 6f');
      const echo = frame(page, 'server → browser', 'on the wire81 05 48 65 6c 6c 6f');
      await echo.waitFor();
      expect(await echo.textContent()).toContain('FIN=1 opcode=1 (text) MASK=0 length=5');
      expect(await echo.textContent()).not.toContain('masking key');
      expect(await indexOf(echo)).toBeGreaterThan(await indexOf(sent));

      if (process.env.UPDATE_SCREENSHOTS) {
        mkdirSync(join(contract.packageDir, 'docs'), { recursive: true });
        await page.screenshot({ path: join(contract.packageDir, 'docs', 'inspector.png') });
      }
    });

    it('shows each length form: 7 bits, 16 bits after 126, 64 bits after 127', async () => {
      const page = await connectedPage(await start());
      const forms = [
        ['125', /length125 bytes, 7-bit/],
        ['126', /length126 bytes, 16-bit: Payload len says 126/],
        ['65535', /length65535 bytes, 16-bit/],
        ['65536', /length65536 bytes, 64-bit: Payload len says 127/],
      ] as const;
      for (const [bytes, form] of forms) {
        await page.getByRole('button', { name: `send ${bytes} random bytes` }).click();
        for (const direction of ['browser → server', 'server → browser']) {
          await frame(page, direction, `opcode=2 (binary)`, `length=${bytes}`, form).waitFor();
        }
      }
      // The header on the wire: 82 7e 00 7e for 126 bytes, 82 7f and 8 bytes for 65536.
      await frame(page, 'server → browser', 'on the wire82 7e 00 7e').waitFor();
      await frame(page, 'server → browser', 'on the wire82 7f 00 00 00 00 00 01 00 00').waitFor();
      // An empty message: the typed count, sent with the form.
      await page.getByLabel('Random bytes', { exact: true }).fill('0');
      await page.getByRole('button', { name: 'Send bytes' }).click();
      await frame(page, 'server → browser', 'MASK=0 length=0', 'on the wire82 00').waitFor();
    });

    it('closes with a chosen code: close 4000 both ways, then the end (with --trace on too)', async () => {
      // --trace and the inspector both watch the frames: each gets every one.
      const running = await start({ trace: true });
      const page = await connectedPage(running);
      await page.getByLabel('Close code', { exact: true }).fill('4000');
      await page.getByLabel('Reason', { exact: true }).fill('done here');
      await page.getByRole('button', { name: 'Close', exact: true }).click();
      await frame(
        page,
        'browser → server',
        'close 4000 (private use), reason "done here"',
      ).waitFor();
      await frame(page, 'server → browser', 'close 4000 (private use)').waitFor();
      await message(page, 'closed with code 4000').waitFor();
      await frame(page, 'inspector: the connection is closed').waitFor();
      await running.output.waitFor(/<< FIN=1 RSV=000 opcode=CLOSE\(0x8\) .*code=4000/);
    });

    it("shows the heartbeat's pings and the browser's pongs", async () => {
      const page = await connectedPage(await start({ heartbeatInterval: 200 }));
      const ping = frame(page, 'server → browser', 'opcode=9 (ping)', 'the heartbeat');
      await ping.waitFor();
      const pong = frame(page, 'browser → server', 'opcode=10 (pong)', 'MASK=1');
      await pong.waitFor();
      expect(await indexOf(pong)).toBeGreaterThan(await indexOf(ping));
    });

    it("shows a page its own connection's frames, and none of another page's", async () => {
      const running = await start();
      const first = await connectedPage(running);
      const second = await connectedPage(running);
      await send(first, 'for the first page only');
      await frame(first, 'server → browser', 'for the first page only').waitFor();
      await send(second, 'from the second page');
      await frame(second, 'server → browser', 'from the second page').waitFor();
      // Each page's stream is in order: had the first page's frames reached the second, they
      // would be there before its own echo.
      expect(await frameList(second).textContent()).not.toContain('first page');
      expect(await frameList(first).textContent()).not.toContain('second page');
      // One handshake each: its own.
      expect(await frame(second, 'the opening handshake').count()).toBe(1);
    });

    it("hides the page's credentials: its cookies, HttpOnly ones included", async () => {
      const page = await connectedPage(await start(), undefined, [
        { name: 'session', value: 's3cr3t-session', httpOnly: true },
        { name: 'theme', value: 's3cr3t-theme', httpOnly: false },
      ]);
      const handshake = frame(page, 'the opening handshake');
      await handshake.waitFor();
      const text = await handshake.textContent();
      expect(text).toContain('Cookie: (hidden: credentials are never shown)');
      expect(text).not.toContain('s3cr3t');
    });

    it('shows no connection of a page from another origin that names its id', async () => {
      const running = await start();
      const { port } = running;
      // The subscription, as the server's own page makes it; the test knows its id.
      const id = crypto.randomUUID();
      const subscription = await subscribeToInspector(port, id);
      expect(subscription.status).toBe(200);
      const url = `ws://localhost:${port}/ws?inspect=${id}`;

      // A page of another origin: the same server reached as 127.0.0.1, not as localhost. Its
      // Content-Security-Policy lets it connect to itself only: bypassCSP lifts that, as a site
      // of the attacker's own would not have it.
      const elsewhere = await browser.newContext({ bypassCSP: true });
      contexts.push(elsewhere);
      const other = await elsewhere.newPage();
      await other.goto(`http://127.0.0.1:${port}/`);
      expect(await other.evaluate(openAndClose, url)).toBe(1000);

      // Not shown: the subscription still waits, and a page of its own origin is shown.
      const home = await browser.newContext();
      contexts.push(home);
      const own = await home.newPage();
      await own.goto(`http://localhost:${port}/`);
      expect(await own.evaluate(openAndClose, url)).toBe(1000);
      const first = await subscription.next();
      expect(first?.kind).toBe('handshake');
      expect(first?.request).toContain(`Origin: http://localhost:${port}`);
      expect(first?.request).not.toContain(`Origin: http://127.0.0.1:${port}`);
      subscription.response.destroy();
    });

    it('with --no-inspector, says so on the page and subscribes to nothing', async () => {
      const running = await start({ inspector: false });
      const context = await browser.newContext();
      contexts.push(context);
      const page = await context.newPage();
      const asked: string[] = [];
      page.on('request', (request) => asked.push(new URL(request.url()).pathname));
      await page.goto(`http://localhost:${running.port}/`);
      await page.getByText('The frame inspector of this server is off').waitFor();
      expect(await frameList(page).isVisible()).toBe(false);
      await page.getByRole('button', { name: 'Connect', exact: true }).click();
      await page
        .getByRole('status')
        .filter({ hasText: /^open$/ })
        .waitFor();
      await send(page, 'no frames');
      await message(page, /received\s*no frames$/).waitFor();
      expect(asked.filter((path) => path.startsWith('/inspect/'))).toEqual([]);
    });

    it('is usable with the keyboard alone', async () => {
      const page = await connectedPage(await start());
      await page.getByLabel('Random bytes', { exact: true }).focus();
      await page.keyboard.press('Control+A');
      await page.keyboard.type('126');
      await page.keyboard.press('Enter');
      await frame(page, 'browser → server', 'length=126').waitFor();
      await page.keyboard.press('Tab'); // Send bytes
      await page.keyboard.press('Tab'); // the first preset: 0
      await page.keyboard.press('Tab'); // 125
      await page.keyboard.press('Enter');
      await frame(page, 'browser → server', 'length=125').waitFor();
      await page.getByLabel('Close code', { exact: true }).focus();
      await page.keyboard.press('Enter');
      await frame(page, 'server → browser', 'close 4000').waitFor();
    });

    it('fits a phone screen, frames included, without scrolling sideways', async () => {
      const page = await connectedPage(await start(), { width: 360, height: 640 });
      await send(page, 'Hello');
      await frame(page, 'server → browser', 'on the wire81 05').waitFor();
      const width = await page.evaluate('document.documentElement.scrollWidth');
      expect(width).toBeLessThanOrEqual(360);
    });
  });
}
