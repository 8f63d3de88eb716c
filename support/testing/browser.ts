import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ServerOptions } from '../src/options.ts';
import type { RunningServer } from '../src/server.ts';
import { removeTestCertificates, testCertificates } from './certificates.ts';
import { testServerOptions } from './server-options.ts';

/** Chromium from Debian (`apt-get install chromium`), or wherever CHROMIUM_PATH says. */
const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Why the browser tests cannot run here, or undefined when they can. */
export const browserMissing = existsSync(chromiumPath)
  ? undefined
  : `Chromium not found at ${chromiumPath}: apt-get install chromium, or set CHROMIUM_PATH`;

/**
 * Headless Chromium. The flags keep it from reaching for Google's services, which a machine
 * without Internet access refuses, noisily.
 */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-quic',
      '--no-first-run',
    ],
  });
}

export interface PlaygroundContract {
  /** The server's name, as the page shows it. */
  name: string;
  /**
   * The package folder: `UPDATE_SCREENSHOTS=1` writes `docs/playground.png` there (for the `ws`
   * servers; the others' picture is `docs/inspector.png`, from inspectorContract).
   */
  packageDir: string;
  createServer(options: ServerOptions): Promise<RunningServer>;
  /** The hello servers greet first. */
  greets: boolean;
  /**
   * The hand-written servers' page shows every frame (`inspectorContract`); the `ws` servers'
   * page says that the library hides them, and points to native-server's page.
   */
  frames: 'inspector' | 'library';
}

// Playwright waits for the page: each of these resolves as soon as the page shows what it names.
const entry = (page: Page, text: string | RegExp) =>
  page
    .getByRole('list', { name: 'Messages' })
    .getByRole('listitem')
    .filter({ hasText: text })
    .waitFor();
const state = (page: Page, name: string) =>
  page
    .getByRole('status')
    .filter({ hasText: new RegExp(`^${name}$`) })
    .waitFor();
const focused = (page: Page, id: string) => page.locator(`#${id}:focus`).waitFor();

/**
 * The browser playground at `/`, driven in a real Chromium: the same tests for every server.
 * Without Chromium they are reported as skipped (with the reason), never as passed.
 */
export function playgroundContract(contract: PlaygroundContract): void {
  if (browserMissing) console.warn(`browser tests skipped: ${browserMissing}`);

  describe.skipIf(browserMissing !== undefined)(
    `the browser playground of ${contract.name}`,
    () => {
      let browser: Browser;
      let server: RunningServer | undefined;
      beforeAll(async () => {
        browser = await launchBrowser();
      });
      afterAll(() => browser?.close());
      afterAll(removeTestCertificates);
      afterEach(async () => {
        await server?.close();
        server = undefined;
      });

      async function open(viewport = { width: 900, height: 700 }) {
        const options = testServerOptions({ name: contract.name });
        server = await contract.createServer(options);
        const page = await browser.newPage({ viewport });
        await page.goto(`http://localhost:${server.port}/`);
        return { page, server, output: options.output };
      }

      it('connects to its own /ws, echoes a message, and shows the close', async () => {
        const { page, server, output } = await open();
        expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe(
          `WebSocket playground: ${contract.name}`,
        );
        expect(await page.getByLabel('Server URL', { exact: true }).inputValue()).toBe(
          `ws://localhost:${server.port}/ws`,
        );

        await page.getByRole('button', { name: 'Connect', exact: true }).click();
        await state(page, 'open');
        if (contract.greets) await entry(page, /received\s*Hello! Your IP is (127\.0\.0\.1|::1)$/);

        await page.getByLabel('Message', { exact: true }).fill('hello from Chromium');
        await page.getByLabel('Message', { exact: true }).press('Enter');
        await entry(page, /sent\s*hello from Chromium$/);
        await entry(page, /received\s*hello from Chromium$/);

        // The hand-written servers' READMEs show their page with its frames (inspectorContract).
        if (process.env.UPDATE_SCREENSHOTS && contract.frames === 'library') {
          mkdirSync(join(contract.packageDir, 'docs'), { recursive: true });
          await page.screenshot({ path: join(contract.packageDir, 'docs', 'playground.png') });
        }

        await page.getByRole('button', { name: 'Disconnect', exact: true }).click();
        // The code is the server's answer (an echo of ours); the reason it sends back may differ.
        await entry(page, /closed with code 1000/);
        await state(page, 'closed');
        await output.waitFor(
          /disconnected: .*code 1000 \(Normal Closure\), reason "bye from the page"/,
        );
      });

      it(
        contract.frames === 'inspector'
          ? 'shows the frame inspector'
          : "says that ws hides frames, and links to native-server's page",
        async () => {
          const { page } = await open();
          const frames = page.getByRole('list', { name: 'Frames' });
          const note = page.getByText('library reads and writes the frames itself');
          if (contract.frames === 'inspector') {
            await frames.waitFor();
            expect(await note.isVisible()).toBe(false);
          } else {
            await note.waitFor();
            expect(await frames.count()).toBe(0);
            const link = page.getByRole('link', { name: 'http://localhost:8082/' });
            expect(await link.getAttribute('href')).toBe('http://localhost:8082/');
          }
        },
      );

      it('works with the keyboard alone', async () => {
        const { page } = await open();
        await page.keyboard.press('Tab'); // the URL field
        await page.keyboard.press('Tab'); // Connect
        await focused(page, 'connect');
        await page.keyboard.press('Enter');
        // Once connected, the message box has the focus: type and press Enter.
        await focused(page, 'message');
        await page.keyboard.type('typed, not clicked');
        await page.keyboard.press('Enter');
        await entry(page, /received\s*typed, not clicked$/);
        await page.keyboard.press('Shift+Tab'); // Disconnect (Connect is disabled while open)
        await focused(page, 'disconnect');
        await page.keyboard.press('Enter');
        await entry(page, 'closed with code 1000');
      });

      it('labels its controls for screen readers', async () => {
        const { page } = await open();
        for (const label of ['Server URL', 'Message']) {
          expect(await page.getByLabel(label, { exact: true }).count()).toBe(1);
        }
        for (const name of ['Connect', 'Disconnect', 'Send']) {
          expect(await page.getByRole('button', { name, exact: true }).count()).toBe(1);
        }
        // The state and the log are announced as they change.
        expect(await page.getByRole('status').count()).toBe(1);
        const log = page.getByRole('list', { name: 'Messages' });
        expect(await log.getAttribute('aria-live')).toBe('polite');
      });

      it('shows code 1001 and the reason when the server shuts down', async () => {
        const { page, server } = await open();
        await page.getByRole('button', { name: 'Connect', exact: true }).click();
        await state(page, 'open');
        await server.close();
        await entry(page, 'closed with code 1001, reason "server shutting down"');
      });

      it('over https, connects with wss:// to its own host', async () => {
        // The test's certificate comes from a throwaway CA; this browser is told not to mind.
        const { trusted } = await testCertificates();
        server = await contract.createServer(
          testServerOptions({ name: contract.name, tls: trusted.tls }),
        );
        const context = await browser.newContext({ ignoreHTTPSErrors: true });
        const page = await context.newPage();
        await page.goto(`https://localhost:${server.port}/`);
        expect(await page.getByLabel('Server URL', { exact: true }).inputValue()).toBe(
          `wss://localhost:${server.port}/ws`,
        );
        await page.getByRole('button', { name: 'Connect', exact: true }).click();
        await state(page, 'open');
        await page.getByLabel('Message', { exact: true }).fill('encrypted');
        await page.getByLabel('Message', { exact: true }).press('Enter');
        await entry(page, /received\s*encrypted$/);
        // The page's own origin is https:// now: the inspector shows its connection all the same.
        if (contract.frames === 'inspector') {
          const frames = page.getByRole('list', { name: 'Frames' });
          await frames.getByText('the opening handshake').waitFor();
        }
        await context.close();
      });

      it('fits a phone screen without scrolling sideways', async () => {
        const { page } = await open({ width: 360, height: 640 });
        await page.getByRole('button', { name: 'Connect', exact: true }).click();
        await state(page, 'open');
        const width = await page.evaluate('document.documentElement.scrollWidth');
        expect(width).toBeLessThanOrEqual(360);
      });
    },
  );
}
