/**
 * `pnpm --filter conformance independent`: the checker against implementations other than the
 * lesson's own, side by side with the project's - the four servers, native-client and the `ws`
 * client exercise; plain `ws` (a dependency); python-websockets and gorilla/websocket, from
 * Debian's packages (python3-websockets, golang-github-gorilla-websocket-dev), each as a small
 * echo server and a stdin client in scripts/peers/. The Go programs are built with `go build` in
 * GOPATH mode against Debian's source: nothing is downloaded.
 *
 * Not a test: where Python's or Go's package is missing, its rows say so and the others run.
 * It prints a Markdown table of the totals per verdict and the run time, then every FAILED and
 * NON-STRICT case of each implementation, for the package README.
 *
 *   pnpm --filter conformance independent                 everything (a few minutes)
 *   pnpm --filter conformance independent --only gorilla  the rows whose name has "gorilla"
 *
 * PYTHON (a python3 that imports websockets) and GORILLA_GOPATH (a GOPATH holding
 * src/github.com/gorilla/websocket) say where to look, when not /usr/bin/python3 and
 * /usr/share/gocode.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { main } from '../src/cli.ts';
import type { Totals, Verdict } from '../src/verdict.ts';

const PACKAGE = fileURLToPath(new URL('..', import.meta.url));
const ROOT = join(PACKAGE, '..');
const PEERS = join(PACKAGE, 'scripts', 'peers');
/** How long a server program gets to print the URL it listens on. */
const START_TIMEOUT_MS = 30_000;

interface Subject {
  name: string;
  mode: 'server' | 'client';
  /** Why it cannot run here, if it cannot. */
  missing?: string;
  /** Server mode: the program that listens and prints its URL. */
  server?: { command: string[]; cwd: string; greeting?: number };
  /** Client mode: the command with {url}. */
  client?: string;
}

interface Row {
  subject: Subject;
  totals?: Totals;
  problem?: string;
  cases: { id: string; title: string; verdict: Verdict; actual: string }[];
}

const { values } = parseArgs({ options: { only: { type: 'string' } } });
const work = mkdtempSync(join(tmpdir(), 'conformance-independent-'));

try {
  const subjects = findSubjects().filter(
    (subject) => !values.only || subject.name.toLowerCase().includes(values.only.toLowerCase()),
  );
  const rows: Row[] = [];
  for (const subject of subjects) {
    process.stderr.write(`${subject.name} (${subject.mode}) ...`);
    const row = await check(subject);
    process.stderr.write(
      ` ${row.totals ? `${row.totals.FAILED} FAILED in ${row.totals.seconds} s` : (row.problem ?? '')}\n`,
    );
    rows.push(row);
  }
  process.stdout.write(`${table(rows)}\n${notable(rows)}`);
} finally {
  rmSync(work, { recursive: true, force: true });
}

/** Everything to check, with what is missing for those that cannot run here. */
function findSubjects(): Subject[] {
  const exercise = (folder: string) => join(ROOT, 'exercises', 'part2', folder);
  const tsx = (path: string) => `node --import tsx '${path}' {url}`;
  const python = findPython();
  const gorilla = buildGorilla();
  const wsVersion = (
    JSON.parse(readFileSync(createRequire(import.meta.url).resolve('ws/package.json'), 'utf8')) as {
      version: string;
    }
  ).version;
  const projectServer = (name: string, folder: string, greeting = 0): Subject => ({
    name,
    mode: 'server',
    server: {
      command: ['node', '--import', 'tsx', 'src/main.ts'],
      cwd: exercise(folder),
      greeting,
    },
  });
  return [
    projectServer('echo-server', '12-websocket-echo-server'),
    projectServer('native-server', '12-websocket-native-server'),
    projectServer('hello-server', '12-websocket-hello-server', 1),
    projectServer('hello-server-ws', '12-websocket-hello-server-ws', 1),
    {
      name: `plain ws ${wsVersion}`,
      mode: 'server',
      server: { command: ['node', '--import', 'tsx', 'test/fixtures/ws-server.ts'], cwd: PACKAGE },
    },
    {
      name: `python-websockets ${python.version ?? ''}`.trim(),
      mode: 'server',
      ...(python.missing ? { missing: python.missing } : {}),
      server: { command: [python.path, join(PEERS, 'python-echo-server.py')], cwd: PEERS },
    },
    {
      name: `gorilla/websocket ${gorilla.version ?? ''}`.trim(),
      mode: 'server',
      ...(gorilla.missing ? { missing: gorilla.missing } : {}),
      server: { command: [join(work, 'gorilla-echo-server')], cwd: work },
    },
    {
      name: 'native-client',
      mode: 'client',
      client: tsx(join(exercise('12-websocket-native-client'), 'src', 'main.ts')),
    },
    {
      name: 'client (the ws client exercise)',
      mode: 'client',
      client: tsx(join(exercise('12-websocket-client'), 'src', 'main.ts')),
    },
    {
      name: `plain ws ${wsVersion}`,
      mode: 'client',
      client: tsx(join(PACKAGE, 'test', 'fixtures', 'ws-client.ts')),
    },
    {
      name: `python-websockets ${python.version ?? ''}`.trim(),
      mode: 'client',
      ...(python.missing ? { missing: python.missing } : {}),
      client: `'${python.path}' '${join(PEERS, 'python-client.py')}' {url}`,
    },
    {
      name: `gorilla/websocket ${gorilla.version ?? ''}`.trim(),
      mode: 'client',
      ...(gorilla.missing ? { missing: gorilla.missing } : {}),
      client: `'${join(work, 'gorilla-client')}' {url}`,
    },
  ];
}

/** A python3 that imports websockets, and the version of websockets. */
function findPython(): { path: string; version?: string; missing?: string } {
  for (const path of [process.env.PYTHON, '/usr/bin/python3', 'python3']) {
    if (!path) continue;
    const found = spawnSync(path, ['-c', 'import websockets; print(websockets.__version__)'], {
      encoding: 'utf8',
    });
    if (found.status === 0) return { path, version: found.stdout.trim() };
  }
  return {
    path: 'python3',
    missing:
      'no python3 that imports websockets (apt-get install python3-websockets, or PYTHON=...)',
  };
}

/** The two Go programs, built against gorilla/websocket in a GOPATH; its Debian version. */
function buildGorilla(): { version?: string; missing?: string } {
  const gopath = process.env.GORILLA_GOPATH ?? '/usr/share/gocode';
  if (!existsSync(join(gopath, 'src', 'github.com', 'gorilla', 'websocket'))) {
    return {
      missing: `no gorilla/websocket in ${gopath} (apt-get install golang-github-gorilla-websocket-dev, or GORILLA_GOPATH=...)`,
    };
  }
  // GOPATH mode, with nothing to fetch: the import comes from the GOPATH, or the build fails.
  const env = {
    ...process.env,
    GO111MODULE: 'off',
    GOPATH: gopath,
    GOFLAGS: '',
    GOPROXY: 'off',
    GOCACHE: join(work, 'gocache'),
  };
  for (const program of ['gorilla-echo-server', 'gorilla-client']) {
    const built = spawnSync(
      'go',
      ['build', '-o', join(work, program), join(PEERS, `${program}.go`)],
      { env, encoding: 'utf8' },
    );
    if (built.error) return { missing: `go cannot be run: ${built.error.message}` };
    if (built.status !== 0) return { missing: `go build ${program}: ${built.stderr.trim()}` };
  }
  const version = spawnSync(
    'dpkg-query',
    // biome-ignore lint/suspicious/noTemplateCurlyInString: dpkg-query's placeholder, not JavaScript's
    ['-W', '-f', '${Version}', 'golang-github-gorilla-websocket-dev'],
    { encoding: 'utf8' },
  );
  return version.status === 0 ? { version: version.stdout.replace(/-\d+$/, '') } : {};
}

/** Runs the checker on one subject, in this process, with its --json report. */
async function check(subject: Subject): Promise<Row> {
  if (subject.missing) return { subject, problem: subject.missing, cases: [] };
  let server: ChildProcess | undefined;
  const args: string[] = [];
  try {
    if (subject.server) {
      const started = await startServer(subject.server.command, subject.server.cwd);
      server = started.child;
      args.push(started.url);
      if (subject.server.greeting) args.push('--greeting', String(subject.server.greeting));
    } else {
      args.push('--client', subject.client ?? '');
    }
    const json = join(work, 'report.json');
    let said = '';
    const collect = {
      write: (text: string) => {
        said += text;
      },
      isTTY: false,
    };
    // Client commands run in this package's folder, where `node --import tsx` finds tsx.
    const status = await main([...args, '--json', json], {
      stdout: collect,
      stderr: collect,
      cwd: PACKAGE,
    });
    if (status === 2) return { subject, problem: said.trim().split('\n').at(-1), cases: [] };
    const report = JSON.parse(readFileSync(json, 'utf8')) as {
      cases: Row['cases'];
      totals: Totals;
    };
    return { subject, totals: report.totals, cases: report.cases };
  } catch (error) {
    return { subject, problem: (error as Error).message, cases: [] };
  } finally {
    if (server && server.exitCode === null) {
      server.kill('SIGTERM');
      await new Promise((resolve) => server?.once('exit', resolve));
    }
  }
}

/** A server program, once it has printed the URL it listens on. */
function startServer(
  command: string[],
  cwd: string,
): Promise<{ child: ChildProcess; url: string }> {
  const [program = '', ...args] = command;
  const child = spawn(program, args, {
    cwd,
    env: { ...process.env, PORT: '0', QUIET: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGTERM');
      reject(new Error(`${program} printed no URL within ${START_TIMEOUT_MS / 1000} s`));
    }, START_TIMEOUT_MS);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    for (const stream of [child.stdout, child.stderr]) {
      createInterface({ input: stream }).on('line', (line) => {
        const url = /listening on (wss?:\/\/\S+)/.exec(line)?.[1];
        if (!url) return;
        clearTimeout(timer);
        resolve({ child, url });
      });
    }
  });
}

/** The totals side by side, as a Markdown table. */
function table(rows: Row[]): string {
  const lines = [
    '| Implementation | Checked as | OK | NON-STRICT | INFORMATIONAL | UNIMPLEMENTED | FAILED | Time |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const { subject, totals, problem } of rows) {
    const mode =
      subject.mode === 'server'
        ? `server (${totals?.cases ?? '-'} cases)`
        : `client (${totals?.cases ?? '-'} cases)`;
    if (!totals) {
      lines.push(`| ${subject.name} | ${mode} | not run: ${problem ?? ''} | | | | | |`);
      continue;
    }
    lines.push(
      `| ${subject.name} | ${mode} | ${totals.OK} | ${totals['NON-STRICT']} | ${totals.INFORMATIONAL} | ${totals.UNIMPLEMENTED} | ${totals.FAILED} | ${totals.seconds.toFixed(1)} s |`,
    );
  }
  return `${lines.join('\n')}\n`;
}

/** Every FAILED and NON-STRICT case of each implementation, with what happened. */
function notable(rows: Row[]): string {
  const out: string[] = [];
  for (const { subject, cases } of rows) {
    const shown = cases.filter((c) => c.verdict === 'FAILED' || c.verdict === 'NON-STRICT');
    if (shown.length === 0) continue;
    out.push('', `${subject.name}, ${subject.mode}:`);
    for (const c of shown) out.push(`  ${c.verdict} ${c.id} ${c.title}: ${c.actual}`);
  }
  return `${out.join('\n')}\n`;
}
