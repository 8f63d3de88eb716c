/**
 * `--html`: one page, opened in Chromium from the file itself. The table shows every case with
 * its verdict, the filters narrow it, a case opens to its frames drawn field by field, the page
 * loads nothing and runs nothing but its own script (its Content-Security-Policy), and text a
 * peer sent shows as text.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { browserMissing, launchBrowser, sayIfBrowserMissing } from 'support/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { htmlReport } from '../src/report/html.ts';
import { type CaseResult, totalsOf } from '../src/verdict.ts';
import { check, type JsonReport } from './support/check.ts';
import { type ReferenceServer, startReferenceServer } from './support/reference-server.ts';

const dir = mkdtempSync(join(tmpdir(), 'conformance-html-'));
let browser: Browser;
let server: ReferenceServer;
let report: JsonReport;
const file = join(dir, 'report.html');

beforeAll(async () => {
  if (browserMissing) return;
  // A server whose pongs are empty: the ping cases fail, the close cases pass.
  server = await startReferenceServer('empty-pong');
  const run = await check([server.url, '--cases', '5.5.2,7.4.1', '--html', file]);
  report = run.report!;
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The page, with every console error and uncaught exception it gives. */
async function open(path: string): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  page.on('pageerror', (error) => errors.push(String(error)));
  page.on('dialog', (dialog) => {
    errors.push(`a dialog: ${dialog.message()}`);
    void dialog.dismiss();
  });
  await page.goto(pathToFileURL(path).href);
  return { page, errors };
}

// Without Chromium: skipped and said so on a machine of your own, a failure in CI (support/testing).
sayIfBrowserMissing('the --html page in Chromium');
describe.skipIf(browserMissing !== undefined)('the --html page in Chromium', () => {
  it('shows every case as a row: id, section, title, verdict; and the totals', async () => {
    const { page, errors } = await open(file);
    const rows = page.locator('details.case > summary');
    await expect.poll(() => rows.count()).toBe(report.totals.cases);
    const first = report.cases[0]!;
    const row = page.locator(`details.case[data-id="${first.id}"] > summary`);
    expect(await row.locator('.id').textContent()).toBe(first.id);
    expect(await row.locator('.section').textContent()).toMatch(/^5\.5\.2 Ping$/);
    expect(await row.locator('.title').textContent()).toBe(first.title);
    expect(await row.locator('.verdict').textContent()).toBe(first.verdict);
    expect(await page.locator('.total').textContent()).toContain(`${report.totals.FAILED} FAILED`);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('filters by verdict, by section and by words', async () => {
    const { page, errors } = await open(file);
    const visible = page.locator('details.case:not([hidden])');
    await page.selectOption('#verdict', 'FAILED');
    await expect.poll(() => visible.count()).toBe(report.totals.FAILED);
    expect(await page.locator('#shown').textContent()).toBe(
      `${report.totals.FAILED} of ${report.totals.cases} cases shown`,
    );
    await page.selectOption('#verdict', '');
    await page.selectOption('#section', '7.4.1');
    const inSection = report.cases.filter((result) => result.section === '7.4.1').length;
    await expect.poll(() => visible.count()).toBe(inSection);
    await page.selectOption('#section', '');
    await page.fill('#words', '1011');
    await expect.poll(() => visible.count()).toBe(1);
    // A verdict's chip filters too, and a second click clears it.
    await page.fill('#words', '');
    await page.click('.chip[data-verdict="OK"]');
    await expect.poll(() => visible.count()).toBe(report.totals.OK);
    await page.click('.chip[data-verdict="OK"]');
    await expect.poll(() => visible.count()).toBe(report.totals.cases);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('opens a case to the rule, expected and actual, the lesson, and its frames drawn field by field', async () => {
    const { page, errors } = await open(file);
    const failed = report.cases.find((result) => result.verdict === 'FAILED')!;
    const item = page.locator(`details.case[data-id="${failed.id}"]`);
    await item.locator('summary').click();
    await expect.poll(() => item.locator('.actual').textContent()).toBe(failed.actual);
    const lesson = await item.locator('dd a').getAttribute('href');
    expect(lesson).toMatch(/exercises\/part2\/12-websocket-native-server\/README\.md#4-fragments/);
    // The checker's ping, as the inspector draws a frame.
    const ping = item.locator('ol.wire > li.out', { hasText: 'ping FIN=1' }).first();
    await ping.waitFor();
    for (const field of ['FIN', 'RSV1', 'opcode', 'MASK', 'Payload len', 'Masking-key']) {
      expect(await ping.locator(`.bits [title="${field}"]`).count(), field).toBe(1);
    }
    expect(await ping.locator('.bits [title="opcode"] .value').textContent()).toBe('9 (ping)');
    const terms = await ping.locator('dt').allTextContents();
    expect(terms).toEqual([
      'length',
      'masking key',
      'on the wire',
      'payload, masked',
      'payload, unmasked',
    ]);
    expect(await ping.locator('dd').nth(2).textContent()).toMatch(/^89 [89a-f][0-9a-f] /);
    // The server's pong: not masked, and empty where the ping had bytes.
    const pong = item.locator('ol.wire > li.in', { hasText: 'pong FIN=1' }).first();
    expect(await pong.locator('.bits [title="MASK"] .value').textContent()).toBe('0');
    // A close frame says its code and reason.
    const closing = report.cases.find((result) => result.title.includes('1011'))!;
    const closeCase = page.locator(`details.case[data-id="${closing.id}"]`);
    await closeCase.locator('summary').click();
    const close = closeCase.locator('ol.wire > li.in', { hasText: 'close FIN=1' }).first();
    await close.waitFor();
    expect(await close.textContent()).toContain('1011 (Internal Error)');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('shows what a peer sent as text: nothing it sends runs in the page', async () => {
    const evil = '</script><script>alert("from the peer")</script><img src=x onerror=alert(1)>';
    const result: CaseResult = {
      id: '5.6/1',
      section: '5.6',
      family: 'UTF-8',
      title: `a message ${evil}`,
      rule: 'A rule.',
      lesson: { title: 'a lesson', path: 'shared/README.md#5-utf-8' },
      verdict: 'FAILED',
      expected: evil,
      actual: evil,
      ms: 1,
      ended: 1,
      wire: [
        { ms: 0, connection: 1, direction: 'in', summary: evil, text: `HTTP/1.1 101 ${evil}\r\n` },
        { ms: 1, connection: 0, direction: 'process', summary: `stdout: ${evil}` },
      ],
    };
    const page = join(dir, 'evil.html');
    writeFileSync(
      page,
      htmlReport({
        results: [result],
        totals: totalsOf([result], 0),
        subject: evil,
        peer: 'client',
        file: page,
      }),
    );
    expect(readFileSync(page, 'utf8')).not.toContain('<script>alert');
    const { page: tab, errors } = await open(page);
    const item = tab.locator('details.case').first();
    await item.locator('summary').click();
    await item.locator('ol.wire > li').nth(1).waitFor();
    expect(await item.locator('.title').textContent()).toBe(`a message ${evil}`);
    expect(await item.locator('ol.wire pre').textContent()).toContain(evil);
    expect(await tab.locator('img').count()).toBe(0);
    expect(errors).toEqual([]);
    await tab.close();
  });
});
