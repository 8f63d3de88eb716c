import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compareSections, sectionHeading } from '../sections.ts';
import { type CaseResult, type Totals, VERDICTS } from '../verdict.ts';
import { describeCode } from '../wire/close-codes.ts';
import type { PeerRole } from '../wire/rules.ts';

/**
 * `--html FILE`: one page that holds the whole run, for a browser, with nothing to fetch - the
 * part of Autobahn|Testsuite's reports its users like most. The table of cases, filtered by
 * verdict, section or words; each case opens to what the RFC asks, what was expected and what
 * came, the link to the lesson, and its wire log, each frame drawn as native-server's inspector
 * draws it (RFC 6455 §5.2's diagram, the bytes on the wire, the payload masked and unmasked,
 * text, close code and reason).
 *
 * The cases are written into the page as HTML; the wire logs go in as JSON, drawn by the page's
 * script (page.js) only when a case is opened, which keeps a page of a few hundred cases light.
 * The style and the script are inline, allowed by a Content-Security-Policy that names their
 * hashes and nothing else: the page loads nothing, and no text a peer sent can run as script.
 */

const ASSETS = new URL('./html/', import.meta.url);
/** The repository's root, where the lesson's READMEs are: the links are relative to it. */
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export interface HtmlInput {
  results: CaseResult[];
  totals: Totals;
  subject: string;
  peer: PeerRole;
  /** Where the page is written: its links to the lesson are relative to it. */
  file: string | undefined;
}

export function htmlReport({ results, totals, subject, peer, file }: HtmlInput): string {
  const style = readFileSync(new URL('page.css', ASSETS), 'utf8');
  const script = readFileSync(new URL('page.js', ASSETS), 'utf8');
  const policy = [
    "default-src 'none'",
    `style-src '${sha256(style)}'`,
    `script-src '${sha256(script)}'`,
  ].join('; ');
  const sections = [...new Set(results.map((result) => result.section))].sort(compareSections);
  const families = [...new Set(results.map((result) => result.family))];
  const wire = Object.fromEntries(results.map((result) => [result.id, result.wire]));
  // The names of the close codes the frames carry, for the page to say (`1002 (Protocol Error)`).
  const closeCodes: Record<number, string> = {};
  for (const entry of results.flatMap((result) => result.wire)) {
    const frame = entry.frame;
    if (frame?.opcode !== 8) continue;
    const code = Number.parseInt(frame.payload.slice(0, 5).replace(' ', ''), 16);
    if (frame.payload.length >= 5 && !Number.isNaN(code)) closeCodes[code] = describeCode(code);
  }
  const lessonBase = file ? relative(dirname(file), ROOT) : '';

  const totalsLine = VERDICTS.map(
    (verdict) =>
      `<button type="button" class="chip ${verdictClass(verdict)}" data-verdict="${verdict}" aria-pressed="false">${totals[verdict]} ${verdict}</button>`,
  ).join(' ');

  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="${policy}">
<title>Conformance of ${escapeHtml(subject)}</title>
<style>${style}</style>
</head>
<body data-peer="${peer}">
<header>
<h1>Conformance of ${escapeHtml(subject)}</h1>
<p class="total">${totals.cases} cases in ${totals.seconds.toFixed(1)} s, checked against RFC 6455 by <code>pnpm conformance</code>: ${totalsLine}</p>
<form class="filters" role="search" aria-label="Filter the cases">
<label>Verdict <select id="verdict"><option value="">all</option>${VERDICTS.map((verdict) => `<option>${verdict}</option>`).join('')}</select></label>
<label>Section <select id="section"><option value="">all</option>${sections.map((section) => `<option value="${escapeHtml(section)}">${escapeHtml(sectionHeading(section))}</option>`).join('')}</select></label>
<label>Words <input id="words" type="search" placeholder="in the title, expected or actual"></label>
</form>
<p id="shown" aria-live="polite">${results.length} of ${results.length} cases shown</p>
</header>
<main>
<div class="head" aria-hidden="true"><span>Case</span><span>Section</span><span>Title</span><span>Verdict</span></div>
${families.map((family) => familyHtml(family, results, lessonBase, peer)).join('\n')}
<p id="none" hidden>No case matches these filters.</p>
</main>
<script type="application/json" id="wire-data">${scriptSafeJson({ wire, closeCodes })}</script>
<script>${script}</script>
</body>
</html>
`;
}

function familyHtml(
  family: string,
  results: CaseResult[],
  lessonBase: string,
  peer: PeerRole,
): string {
  const cases = results.filter((result) => result.family === family);
  return `<section class="family" aria-label="${escapeHtml(family)}">
<h2>${escapeHtml(family)} <span class="count">${cases.length} cases</span></h2>
${cases.map((result) => caseHtml(result, lessonBase, peer)).join('\n')}
</section>`;
}

function caseHtml(result: CaseResult, lessonBase: string, peer: PeerRole): string {
  const lessonHref = lessonBase ? `${lessonBase}/${result.lesson.path}` : result.lesson.path;
  const words = `${result.id} ${result.title} ${result.expected} ${result.actual}`.toLowerCase();
  return `<details class="case" id="case-${escapeHtml(result.id)}" data-id="${escapeHtml(result.id)}" data-verdict="${result.verdict}" data-section="${escapeHtml(result.section)}" data-words="${escapeHtml(words)}">
<summary><span class="id">${escapeHtml(result.id)}</span><span class="section">${escapeHtml(sectionHeading(result.section))}</span><span class="title">${escapeHtml(result.title)}</span><span class="verdict ${verdictClass(result.verdict)}">${result.verdict}</span></summary>
<div class="body">
<dl class="judgement">
<dt>The rule</dt><dd>${escapeHtml(result.rule)}</dd>
<dt>Expected</dt><dd>${escapeHtml(result.expected)}</dd>
<dt>Actual</dt><dd class="actual">${escapeHtml(result.actual)}</dd>
<dt>The lesson</dt><dd><a href="${escapeHtml(lessonHref)}">${escapeHtml(result.lesson.title)}</a></dd>
<dt>Time</dt><dd>${result.ms} ms</dd>
</dl>
<h3>On the wire <span class="legend">${peer === 'client' ? 'checker (as the server) and client, and the client program' : 'checker (as the client) and server'}</span></h3>
<ol class="wire" aria-label="The wire log of ${escapeHtml(result.id)}"></ol>
</div>
</details>`;
}

function verdictClass(verdict: string): string {
  return `v-${verdict.toLowerCase().replace(/[^a-z]/g, '')}`;
}

/** `sha256-...` of an inline style or script, as a Content-Security-Policy names it. */
function sha256(text: string): string {
  return `sha256-${createHash('sha256').update(text).digest('base64')}`;
}

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Text made safe for HTML, in an element or an attribute. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => HTML_ESCAPES[char] ?? char);
}

/**
 * JSON to put inside a <script> element: `<` written as `\u003c`, so that nothing in it - a
 * `</script>` a peer sent - can end the element. JSON.parse reads it back unchanged.
 */
export function scriptSafeJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}
