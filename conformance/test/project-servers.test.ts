/**
 * The project's four servers, each run as its own program on a free port, checked by the
 * checker run as its own program too (`src/main.ts`, what `pnpm conformance` runs).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createCertificates } from 'support';
import { type Program, spawnProgram, startServerProgram } from 'support/testing';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { type JsonReport, LOADED, packageDir } from './support/check.ts';

const exercise = (folder: string) =>
  fileURLToPath(new URL(`../../exercises/part2/${folder}`, import.meta.url));

const SERVERS = [
  { name: 'echo-server', folder: '12-websocket-echo-server', greeting: 0 },
  { name: 'native-server', folder: '12-websocket-native-server', greeting: 0 },
  { name: 'hello-server', folder: '12-websocket-hello-server', greeting: 1 },
  { name: 'hello-server-ws', folder: '12-websocket-hello-server-ws', greeting: 1 },
];

const dir = mkdtempSync(join(tmpdir(), 'conformance-servers-'));
const programs: Program[] = [];
afterEach(async () => {
  for (const program of programs.splice(0)) {
    program.child.kill('SIGTERM');
    await program.exited;
  }
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs the checker as a program; its exit status and --json report. */
async function runChecker(args: string[], env: Record<string, string> = {}) {
  const json = join(dir, `report-${Date.now()}-${Math.random()}.json`);
  const checker = spawnProgram(packageDir, [...args, '--json', json], env);
  programs.push(checker);
  const { code } = await checker.exited;
  const report = JSON.parse(readFileSync(json, 'utf8')) as JsonReport;
  return { code, report, output: checker.output.text };
}

describe.each(SERVERS)('$name', ({ folder, greeting }) => {
  it('breaks no MUST of RFC 6455: 0 FAILED', async () => {
    const server = await startServerProgram(exercise(folder), [], { QUIET: '1' });
    programs.push(server);
    const args = [server.url, ...(greeting ? ['--greeting', String(greeting)] : [])];
    const { code, report, output } = await runChecker([...args, '--timeout', LOADED]);
    const failed = report.cases.filter((result) => result.verdict === 'FAILED');
    expect(failed.map((result) => `${result.id} ${result.title}: ${result.actual}`)).toEqual([]);
    expect(code).toBe(0);
    expect(report.totals.cases).toBeGreaterThan(300);
    // The run's own time, without the programs' start: the goal is the whole run within 60 s.
    expect(output).toMatch(/cases in [\d.]+ s: \d+ OK/);
  });
});

describe('native-server over TLS', () => {
  it('is checked at its wss:// URL, trusting the CA given in NODE_EXTRA_CA_CERTS', async () => {
    const files = await createCertificates(join(dir, 'certs'));
    const server = await startServerProgram(exercise('12-websocket-native-server'), [], {
      QUIET: '1',
      TLS_CERT: files.cert,
      TLS_KEY: files.key,
    });
    programs.push(server);
    expect(server.url).toMatch(/^wss:\/\//);
    const { code, report } = await runChecker([server.url, '--cases', '4.2.2,5.5.2,7.4.1'], {
      NODE_EXTRA_CA_CERTS: files.ca,
    });
    expect(report.cases.filter((result) => result.verdict !== 'OK')).toEqual([]);
    expect(code).toBe(0);
  });

  it('is not reached without the CA: exit status 2 and why', async () => {
    const files = await createCertificates(join(dir, 'other-certs'));
    const server = await startServerProgram(exercise('12-websocket-native-server'), [], {
      QUIET: '1',
      TLS_CERT: files.cert,
      TLS_KEY: files.key,
    });
    programs.push(server);
    const checker = spawnProgram(packageDir, [server.url]);
    programs.push(checker);
    expect((await checker.exited).code).toBe(2);
    expect(checker.output.text).toMatch(/signed by a CA this checker does not trust/);
  });
});
