import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { servePage } from '../src/http.ts';
import { playgroundPage } from '../src/playground.ts';
import { browserMissing, launchBrowser, sayIfBrowserMissing } from '../testing/browser.ts';

describe('playgroundPage', () => {
  it('tells the page the path it connects to', () => {
    const page = playgroundPage('test', 'library', '/chat');
    expect(page.body.toString()).toContain('data-path="/chat"');
  });

  it('refuses a path that is not one, rather than write it into the page', () => {
    for (const path of ['chat', '/a"b', '/<script>', '']) {
      expect(() => playgroundPage('test', 'library', path), path).toThrow(RangeError);
    }
  });
});

sayIfBrowserMissing('the page connecting to a path other than /ws');

// The exercises speak WebSocket at their WEBSOCKET_PATH: a learner who changes it gets a page that
// follows (the page used to connect to /ws whatever the server said).
describe.skipIf(browserMissing !== undefined)(
  'the page connecting to a path other than /ws',
  () => {
    let browser: Browser;
    let http: Server;
    beforeAll(async () => {
      browser = await launchBrowser();
      const page = playgroundPage('test', 'library', '/chat');
      http = createServer((request, response) => servePage(request, response, page));
      const wss = new WebSocketServer({ server: http, path: '/chat' });
      wss.on('connection', (socket) =>
        socket.on('message', (data, binary) => socket.send(data, { binary })),
      );
      await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    });
    afterAll(async () => {
      await browser?.close();
      http?.closeAllConnections();
      await new Promise((resolve) => http?.close(resolve));
    });

    it('connects to the path it was given and gets its echo', async () => {
      const { port } = http.address() as AddressInfo;
      const page = await browser.newPage();
      await page.goto(`http://localhost:${port}/`);
      expect(await page.getByLabel('Server URL', { exact: true }).inputValue()).toBe(
        `ws://localhost:${port}/chat`,
      );
      await page.getByRole('button', { name: 'Connect', exact: true }).click();
      await page
        .getByRole('status')
        .filter({ hasText: /^open$/ })
        .waitFor();
      await page.getByLabel('Message', { exact: true }).fill('to /chat');
      await page.getByLabel('Message', { exact: true }).press('Enter');
      await page
        .getByRole('list', { name: 'Messages' })
        .getByRole('listitem')
        .filter({ hasText: /received\s*to \/chat$/ })
        .waitFor();
    });
  },
);
