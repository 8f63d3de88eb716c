// The report of `pnpm bench`: Markdown tables and SVG charts from the results, and the targets
// each figure is held to.
import { writeFileSync } from 'node:fs';
import { cpus, freemem, platform, release, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { barChart, lineChart } from './chart.ts';
import type { LoadResult } from './clients.ts';
import type { HandshakeResult } from './handshakes.ts';
import { idleSummary, type Plan } from './plan.ts';
import type { Results } from './results.ts';
import { BASELINE, SERVERS } from './servers.ts';
import { type Spread, spread } from './stats.ts';

export interface Target {
  what: string;
  measured: string;
  met: boolean;
}

const docsDir = fileURLToPath(new URL('../../docs', import.meta.url));

/** Three significant digits, written out: 0.748, 29.3, 1,440. */
const number = (value: number, digits = 3) =>
  Number.isFinite(value)
    ? value.toLocaleString('en-US', { maximumSignificantDigits: digits })
    : 'n/a';
const thousands = (value: number) =>
  Number.isFinite(value) ? Math.round(value).toLocaleString('en-US') : 'n/a';
const withSpread = (s: Spread, format: (value: number) => string) =>
  Number.isFinite(s.median) ? `${format(s.median)} [${format(s.min)}-${format(s.max)}]` : 'n/a';
const times = (value: number) => (Number.isFinite(value) ? `${number(value)}x` : 'not measured');

const rate = (result: LoadResult) => result.messages / result.seconds;
const handshakeRate = (result: HandshakeResult) => result.handshakes / result.seconds;
const percent = (value: number) => (Number.isFinite(value) ? `${Math.round(value)}%` : 'n/a');

/**
 * The CPU time of the load over the rounds: the busiest load process of each round, as a
 * percentage of one core (the median of the rounds), and how many processes shared the load.
 */
function loadCpu(rounds: LoadResult[]): string {
  const busiest = spread(rounds.map((round) => Math.max(...round.cpu)));
  const processes = Math.max(0, ...rounds.map((round) => round.cpu.length));
  return `${processes > 1 ? `${processes} x ` : ''}${percent(busiest.median)}`;
}

/** The figures the summary compares, as medians over the rounds. */
function medians(results: Results, server: string, plan: Plan) {
  const mine = results.get(server);
  return {
    sizes: plan.sizes.map((size) => spread(mine.echo(size.label).map(rate)).median),
    p50: spread(mine.scaling(1).map((result) => result.p50)).median,
    idle: spread(mine.idle(idleSummary(plan)).map((round) => round.rss)).median,
    handshakes: spread(mine.handshakes.map(handshakeRate)).median,
  };
}

/** Every server against plain ws: each figure as a multiple of ws's; ws's own in figures. */
export function summaryMarkdown(results: Results, plan: Plan): string {
  const base = medians(results, BASELINE, plan);
  const header = [
    ...plan.sizes.map((size) => `${size.label} msg/s`),
    'p50 round trip, 1 connection',
    `idle bytes/connection (${thousands(idleSummary(plan))})`,
    'handshakes/s',
  ];
  const lines = [
    `| | ${header.join(' | ')} |`,
    `| --- | ${header.map(() => '---:').join(' | ')} |`,
    `| ${BASELINE} | ${[
      ...base.sizes.map(thousands),
      `${number(base.p50)} ms`,
      thousands(base.idle),
      thousands(base.handshakes),
    ].join(' | ')} |`,
  ];
  for (const server of SERVERS.filter((s) => s.name !== BASELINE)) {
    const mine = medians(results, server.name, plan);
    const cells = [
      ...mine.sizes.map((value, i) => times(value / (base.sizes[i] ?? Number.NaN))),
      times(mine.p50 / base.p50),
      Number.isFinite(mine.idle)
        ? `${times(mine.idle / base.idle)} (${thousands(mine.idle)})`
        : 'n/a',
      server.websocket ? times(mine.handshakes / base.handshakes) : 'n/a',
    ];
    lines.push(`| ${server.name} | ${cells.join(' | ')} |`);
  }
  return lines.join('\n');
}

/** The targets the project holds its servers to, each with its measured figure. */
export function targets(results: Results, plan: Plan): Target[] {
  const base = medians(results, BASELINE, plan);
  const addon = medians(results, 'ws + bufferutil', plan);
  const echo = medians(results, 'echo-server', plan);
  const native = medians(results, 'native-server', plan);
  const tcp = medians(results, 'tcp-echo', plan);
  const list: Target[] = [];
  const atLeast = (what: string, value: number, line: number) =>
    list.push({ what, measured: times(value), met: value >= line });
  const atMost = (what: string, value: number, line: number) =>
    list.push({ what, measured: times(value), met: value <= line });
  plan.sizes.forEach((size, i) => {
    const ratio = (echo.sizes[i] ?? Number.NaN) / (base.sizes[i] ?? Number.NaN);
    atLeast(`echo-server >= 0.95x ws, messages/s, ${size.label}`, ratio, 0.95);
  });
  atMost(`echo-server <= 1.05x ws, memory per idle connection`, echo.idle / base.idle, 1.05);
  plan.sizes.forEach((size, i) => {
    const ratio = (native.sizes[i] ?? Number.NaN) / (addon.sizes[i] ?? Number.NaN);
    atLeast(`native-server >= 1.0x ws + bufferutil, messages/s, ${size.label}`, ratio, 1);
  });
  const last = plan.sizes.length - 1;
  const vsTcp = (native.sizes[last] ?? Number.NaN) / (tcp.sizes[last] ?? Number.NaN);
  atLeast(`native-server >= 0.75x tcp-echo, ${plan.sizes[last]?.label ?? ''}`, vsTcp, 0.75);
  atMost('native-server <= 0.8x ws, memory per idle connection', native.idle / base.idle, 0.8);
  atLeast('native-server >= 1.0x ws, handshakes/s', native.handshakes / base.handshakes, 1);
  atMost('native-server <= 1.0x ws, p50 round trip, 1 connection', native.p50 / base.p50, 1);
  return list;
}

export function targetsMarkdown(list: Target[]): string {
  const lines = ['| Target | Measured | Result |', '| --- | ---: | --- |'];
  for (const target of list) {
    lines.push(`| ${target.what} | ${target.measured} | ${target.met ? 'met' : '**missed**'} |`);
  }
  return lines.join('\n');
}

function echoMarkdown(results: Results, plan: Plan): string[] {
  return plan.sizes.flatMap((size) => {
    const baseRate = spread(results.get(BASELINE).echo(size.label).map(rate)).median;
    const lines = [
      `### ${size.label} messages (${size.connections} connections, ${size.window} in flight on each)`,
      '',
      '| Server | Messages/s | MB/s | Round trip p50 (ms) | p99 (ms) | vs ws | Server CPU | Load CPU |',
      '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ];
    for (const server of SERVERS) {
      const rounds = results.get(server.name).echo(size.label);
      const rates = rounds.map(rate);
      lines.push(
        `| ${server.name} | ${withSpread(spread(rates), thousands)} | ` +
          `${withSpread(spread(rates.map((r) => (r * size.size) / 1e6)), (v) => number(v))} | ` +
          `${withSpread(spread(rounds.map((r) => r.p50)), (v) => number(v))} | ` +
          `${withSpread(spread(rounds.map((r) => r.p99)), (v) => number(v))} | ` +
          `${times(spread(rates).median / baseRate)} | ` +
          `${percent(spread(rounds.map((r) => r.serverCpu)).median)} | ${loadCpu(rounds)} |`,
      );
    }
    return [...lines, ''];
  });
}

function scalingMarkdown(results: Results, plan: Plan): string {
  const counts = plan.scaling.map(thousands);
  const lines = [
    `| Server | ${counts.map((c) => `${c} connections, msg/s`).join(' | ')} | p50 round trip, 1 connection (ms) |`,
    `| --- | ${counts.map(() => '---:').join(' | ')} | ---: |`,
  ];
  for (const server of SERVERS) {
    const mine = results.get(server.name);
    const cells = plan.scaling.map((n) => withSpread(spread(mine.scaling(n).map(rate)), thousands));
    const p50 = withSpread(spread(mine.scaling(1).map((r) => r.p50)), (v) => number(v));
    lines.push(`| ${server.name} | ${cells.join(' | ')} | ${p50} |`);
  }
  return lines.join('\n');
}

/** The server's and the load's CPU in each scaling measurement: which of the two set the pace. */
function scalingCpuMarkdown(results: Results, plan: Plan): string {
  const counts = plan.scaling.map(thousands);
  const lines = [
    `| Server | ${counts.map((c) => `${c} connections: server / load CPU`).join(' | ')} |`,
    `| --- | ${counts.map(() => '---:').join(' | ')} |`,
  ];
  for (const server of SERVERS) {
    const mine = results.get(server.name);
    const cells = plan.scaling.map((n) => {
      const rounds = mine.scaling(n);
      return `${percent(spread(rounds.map((r) => r.serverCpu)).median)} / ${loadCpu(rounds)}`;
    });
    lines.push(`| ${server.name} | ${cells.join(' | ')} |`);
  }
  return lines.join('\n');
}

function idleMarkdown(results: Results, plan: Plan): string {
  const lines = [
    `| Server | ${plan.idle.map((n) => `RSS per connection, ${thousands(n)} open`).join(' | ')} | heap per connection, ${thousands(idleSummary(plan))} open |`,
    `| --- | ${plan.idle.map(() => '---:').join(' | ')} | ---: |`,
  ];
  for (const server of SERVERS) {
    const mine = results.get(server.name);
    const cells = plan.idle.map((n) =>
      withSpread(spread(mine.idle(n).map((r) => r.rss)), thousands),
    );
    const heap = withSpread(spread(mine.idle(idleSummary(plan)).map((r) => r.heap)), thousands);
    lines.push(`| ${server.name} | ${cells.join(' | ')} | ${heap} |`);
  }
  return lines.join('\n');
}

function handshakesMarkdown(results: Results): string {
  const base = spread(results.get(BASELINE).handshakes.map(handshakeRate)).median;
  const lines = ['| Server | Handshakes/s | vs ws | Client CPU |', '| --- | ---: | ---: | ---: |'];
  for (const server of SERVERS.filter((s) => s.websocket)) {
    const mine = results.get(server.name).handshakes;
    const rounds = spread(mine.map(handshakeRate));
    const cpu = percent(spread(mine.map((r) => r.cpu)).median);
    lines.push(
      `| ${server.name} | ${withSpread(rounds, thousands)} | ${times(rounds.median / base)} | ${cpu} |`,
    );
  }
  return lines.join('\n');
}

/** Writes docs/benchmarks.md and its three charts (into `dir`: docs/, unless a test says). */
export function writeReport(run: {
  results: Results;
  plan: Plan;
  targets: Target[];
  framing: string;
  startedAt: Date;
  load: number[];
  dir?: string;
}): void {
  const { results, plan } = run;
  const dir = run.dir ?? docsDir;
  const median = (values: number[]) => spread(values).median;
  const echoRate = (server: string, size: string) =>
    median(results.get(server).echo(size).map(rate));
  const vsWs = SERVERS.map((server) => ({
    name: server.name,
    values: plan.sizes.map(
      (size) => echoRate(server.name, size.label) / echoRate(BASELINE, size.label),
    ),
  }));
  writeFileSync(
    `${dir}/benchmarks-echo.svg`,
    barChart(
      'Echo throughput, messages/s as a multiple of ws',
      plan.sizes.map((s) => s.label),
      vsWs,
      'x',
    ),
  );
  writeFileSync(
    `${dir}/benchmarks-scaling.svg`,
    lineChart(
      'Messages/s (32 B, one in flight per connection) by number of connections',
      plan.scaling.map((n) => `${thousands(n)} connections`),
      SERVERS.map((server) => ({
        name: server.name,
        values: plan.scaling.map((n) => median(results.get(server.name).scaling(n).map(rate))),
      })),
      '',
    ),
  );
  writeFileSync(
    `${dir}/benchmarks-memory.svg`,
    lineChart(
      'Memory (RSS) per idle connection, bytes, by number of connections',
      plan.idle.map((n) => `${thousands(n)} open`),
      SERVERS.map((server) => ({
        name: server.name,
        values: plan.idle.map((n) =>
          median(
            results
              .get(server.name)
              .idle(n)
              .map((r) => r.rss),
          ),
        ),
      })),
      '',
    ),
  );

  const cpu = cpus()[0]?.model.trim() ?? 'unknown CPU';
  const load = spread(run.load);
  const startLine = (name: string) => results.get(name).startLine.replace(/^.*?\(/, '(');
  const report = [
    '<!-- Written by `pnpm bench` (bench/src/main.ts): only what that run measured. -->',
    '# Benchmarks',
    '',
    `Measured ${run.startedAt.toISOString().slice(0, 16).replace('T', ' ')} UTC on ${cpu}, ` +
      `${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB ` +
      `(${Math.round(freemem() / 2 ** 30)} GiB free at the end), Node ${process.version}, ` +
      `${platform()} ${release()}; load average ${number(load.min, 2)}-${number(load.max, 2)} ` +
      'while it ran (the machine is shared). Each server ran as its own process with `QUIET=1`; ' +
      'the load came from other processes on the same machine, over 127.0.0.1. ' +
      `${plan.rounds} rounds, the servers taking turns within each round; every figure is the ` +
      'median of the rounds, with the lowest and highest in brackets. Compare the ratios: they ' +
      'come from one run, while the absolute figures move with whatever else the machine runs.',
    '',
    'What was found while measuring, each finding with its date and the run it came from, is in ' +
      '[bench/notes.md](../bench/notes.md); the last soak (`pnpm soak`, well-behaved and hostile ' +
      'clients at once) is in [bench/soak-results.md](../bench/soak-results.md).',
    '',
    '## Against ws',
    '',
    `Each server as a multiple of plain \`ws\` (a round trip: lower is faster); ws's own figures ` +
      'in its row. ws + bufferutil ran with bufferutil ' +
      `${startLine('ws + bufferutil')}; plain ws ${startLine(BASELINE)}.`,
    '',
    summaryMarkdown(results, plan),
    '',
    '![Echo throughput as a multiple of ws](benchmarks-echo.svg)',
    '',
    'The servers:',
    '',
    ...SERVERS.map((server) => `- **${server.name}**: ${server.about}`),
    '',
    '## Targets',
    '',
    targetsMarkdown(run.targets),
    '',
    '## Echo throughput',
    '',
    'Each connection keeps a fixed number of binary messages in flight and sends the next as ' +
      `each echo arrives (bench/src/load.ts); ${plan.measureMs / 1000} s are measured after ` +
      `${plan.warmupMs / 1000} s of warm-up. Every echo is checked byte for byte against the ` +
      'frame it must be; a wrong one stops the run. Round trips include the time a message ' +
      'waits behind the others in flight.',
    '',
    "Server CPU is the server process's CPU time over the measured seconds, as a percentage of " +
      "one core (it can pass 100%: V8's garbage collector and libuv have threads of their own); " +
      'load CPU the same for the busiest load process ("2 x" when the connections ' +
      'were shared out over two). A server near 100% set the pace; a load process near 100% ' +
      'with the server well below it means the row measured the load generator, not the server.',
    '',
    ...echoMarkdown(results, plan),
    '## As connections grow',
    '',
    'Throughput with 1, 64 and 1,000 connections, each with one 32-byte message in flight (a ' +
      'chat rather than a file transfer); the round trip with one connection is the latency of ' +
      'the server alone.',
    '',
    scalingMarkdown(results, plan),
    '',
    'CPU time over the measured seconds, as in the echo tables: the server, then the busiest ' +
      'load process.',
    '',
    scalingCpuMarkdown(results, plan),
    '',
    '![Messages per second by number of connections](benchmarks-scaling.svg)',
    '',
    "Memory per idle connection: the server's memory after a full garbage collection with the " +
      'connections open, minus before them, divided by the connections (bench/src/idle.ts); ' +
      'the sockets the server holds (its /proc/<pid>/fd) are counted too, and must be as many ' +
      'more as the connections opened, or the run stops. ' +
      'Resident memory (RSS) is what the targets count; the heap column is the JavaScript heap ' +
      "and Node's buffers. tcp-echo's plain sockets are the floor: what Node itself holds for " +
      'a connection, with no WebSocket state at all. Beyond 20,000 connections the clients use ' +
      'several source addresses (127.0.0.2 and up).',
    '',
    idleMarkdown(results, plan),
    '',
    ...[...results.notes].map((note) => `${note}\n`),
    '![Memory per idle connection by number of connections](benchmarks-memory.svg)',
    '',
    '## Opening handshakes',
    '',
    `${plan.handshakeConcurrency} connections being opened at any time, each ending its side ` +
      'of TCP as soon as its 101 has arrived and passed the checks a client makes (Upgrade, ' +
      'Connection, Sec-WebSocket-Accept; bench/src/handshakes.ts). Only those are counted; any ' +
      "other answer stops the run. Client CPU: the handshake program's CPU time over the " +
      'measured seconds, as a percentage of one core.',
    '',
    handshakesMarkdown(results),
    '',
    '## Framing',
    '',
    run.framing.replace(/^<!--.*-->\n/, ''),
    '',
  ].join('\n');
  writeFileSync(`${dir}/benchmarks.md`, report);
}
