// pnpm bench: the hand-written servers beside the `ws` ones, in one run - echo throughput, idle
// connections, framing - written to docs/benchmarks.md with a chart, docs/benchmarks.svg.
//
//   BENCH_ROUNDS=3     rounds per measurement (servers alternate: A B C A B C ...)
//   BENCH_SECONDS=3    measured seconds per echo round (after one second of warm-up)
//   BENCH_IDLE=10000   idle connections per server
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, freemem, platform, release, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { spawnProgram } from 'support/testing/program';
import type { LoadConfig, LoadResult } from './load.ts';
import {
  type EchoRow,
  type EchoTable,
  echoChart,
  echoMarkdown,
  type IdleRow,
  idleMarkdown,
  ratio,
  type Target,
  targetsMarkdown,
} from './report.ts';
import { SERVERS, type ServerUnderTest, startServer } from './servers.ts';
import { spread } from './stats.ts';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const IDLE_CONNECTIONS = Number(process.env.BENCH_IDLE ?? 10_000);

/**
 * Message sizes, and how much load each gets. Small messages need many in flight to keep a
 * server busy; 1 MiB messages need few (each is 1 MiB of work).
 */
const SIZES = [
  { label: '32 B', size: 32, connections: 50, window: 16 },
  { label: '4 KiB', size: 4096, connections: 50, window: 8 },
  { label: '1 MiB', size: 1024 * 1024, connections: 8, window: 2 },
];

const benchDir = fileURLToPath(new URL('..', import.meta.url));
const docsDir = fileURLToPath(new URL('../../docs', import.meta.url));

let step = 0;
const totalSteps = SIZES.length * ROUNDS * SERVERS.length + ROUNDS * (SERVERS.length - 1) + 1;
function progress(line: string): void {
  step += 1;
  console.log(`[${step}/${totalSteps}] ${line}`);
}

/** One echo round: start the server, load it from another process, stop it. */
async function echoRound(
  server: ServerUnderTest,
  size: (typeof SIZES)[number],
): Promise<LoadResult> {
  const running = await startServer(server);
  try {
    const config: LoadConfig = {
      port: running.port,
      connections: size.connections,
      window: size.window,
      size: size.size,
      warmupMs: 1000,
      durationMs: SECONDS * 1000,
      websocket: server.websocket,
      skipFirst: server.greets,
    };
    const load = spawnProgram(benchDir, [JSON.stringify(config)], {}, 'src/load.ts');
    const exit = await load.exited;
    const last = load.output.lines.at(-1) ?? '';
    if (exit.code !== 0) throw new Error(`load generator failed against ${server.name}: ${last}`);
    return JSON.parse(last) as LoadResult;
  } finally {
    await running.stop();
  }
}

/**
 * One idle round: the server's memory before and after opening the connections, each time after
 * a full garbage collection. Resident memory (RSS) is what the target counts; the JavaScript heap
 * and Node's buffers outside it (`external`) show where it goes.
 */
async function idleRound(server: ServerUnderTest): Promise<{ rss: number; heap: number }> {
  const running = await startServer(server);
  try {
    const before = await running.memory();
    const args = [String(running.port), String(IDLE_CONNECTIONS)];
    const idle = spawnProgram(benchDir, args, {}, 'src/idle.ts');
    await idle.output.waitFor(/^ready/);
    const after = await running.memory();
    idle.child.kill('SIGTERM');
    await idle.exited;
    const heap = (usage: NodeJS.MemoryUsage) => usage.heapUsed + usage.external;
    return {
      rss: (after.rss - before.rss) / IDLE_CONNECTIONS,
      heap: (heap(after) - heap(before)) / IDLE_CONNECTIONS,
    };
  } finally {
    await running.stop();
  }
}

async function main(): Promise<void> {
  const started = new Date();
  console.log(
    `pnpm bench: ${SERVERS.length} servers, ${SIZES.length} message sizes, ${ROUNDS} rounds; ` +
      `this takes several minutes. Results go to docs/benchmarks.md.`,
  );

  // 1. Echo throughput, alternating the servers within each round.
  const tables: EchoTable[] = [];
  for (const size of SIZES) {
    const results = new Map<string, LoadResult[]>(SERVERS.map((server) => [server.name, []]));
    for (let round = 1; round <= ROUNDS; round++) {
      for (const server of SERVERS) {
        const result = await echoRound(server, size);
        results.get(server.name)?.push(result);
        const rate = result.messages / result.seconds;
        progress(
          `${size.label} ${server.name} round ${round}: ${Math.round(rate).toLocaleString('en-US')} messages/s`,
        );
      }
    }
    const rows: EchoRow[] = SERVERS.map((server) => {
      const rounds = results.get(server.name) ?? [];
      const rates = rounds.map((result) => result.messages / result.seconds);
      return {
        server: server.name,
        messagesPerSecond: spread(rates),
        megabytesPerSecond: spread(rates.map((rate) => (rate * size.size) / 1e6)),
        p50: spread(rounds.map((result) => result.p50)),
        p99: spread(rounds.map((result) => result.p99)),
      };
    });
    tables.push({
      label: size.label,
      setup: `${size.connections} connections, ${size.window} in flight on each`,
      rows,
    });
  }

  // 2. Idle connections (the TCP echo server is left out: it holds no WebSocket state).
  const websocketServers = SERVERS.filter((server) => server.websocket);
  const idle = new Map<string, { rss: number; heap: number }[]>(
    websocketServers.map((server) => [server.name, []]),
  );
  for (let round = 1; round <= ROUNDS; round++) {
    for (const server of websocketServers) {
      const perConnection = await idleRound(server);
      idle.get(server.name)?.push(perConnection);
      progress(
        `idle ${server.name} round ${round}: ${Math.round(perConnection.rss)} bytes RSS, ` +
          `${Math.round(perConnection.heap)} bytes heap per connection`,
      );
    }
  }
  const idleRows: IdleRow[] = websocketServers.map((server) => ({
    server: server.name,
    bytesPerConnection: spread((idle.get(server.name) ?? []).map((round) => round.rss)),
    heapPerConnection: spread((idle.get(server.name) ?? []).map((round) => round.heap)),
  }));

  // 3. Framing: the hand-written core (shared) beside ws's Receiver and Sender (src/framing.ts).
  const framing = spawnProgram(benchDir, [], {}, 'src/framing.ts');
  await framing.exited;
  progress('framing benchmark done');
  const framingResults = readFileSync(`${benchDir}/framing-results.md`, 'utf8');

  // 4. The targets, and the report.
  const targets: Target[] = [];
  for (const table of tables) {
    const vsWs = ratio(table.rows, 'native-server', 'echo-server');
    targets.push({
      what: `native-server >= 1.0x echo-server, messages/s, ${table.label}`,
      measured: `${vsWs.toFixed(2)}x`,
      met: vsWs >= 1,
    });
  }
  const small = tables[0];
  if (small) {
    const vsTcp = ratio(small.rows, 'native-server', 'tcp-echo');
    targets.push({
      what: `native-server >= 0.7x the TCP echo bound, messages/s, ${small.label}`,
      measured: `${vsTcp.toFixed(2)}x`,
      met: vsTcp >= 0.7,
    });
  }
  const perConnection = (name: string) =>
    idleRows.find((row) => row.server === name)?.bytesPerConnection.median ?? Number.NaN;
  targets.push({
    what: 'native-server memory per idle connection <= echo-server',
    measured: `${Math.round(perConnection('native-server'))} vs ${Math.round(perConnection('echo-server'))} bytes`,
    met: perConnection('native-server') <= perConnection('echo-server'),
  });

  const notesFile = `${benchDir}/notes.md`;
  const notes = existsSync(notesFile) ? readFileSync(notesFile, 'utf8').trim() : '';
  const cpu = cpus()[0]?.model.trim() ?? 'unknown CPU';
  const report = [
    '<!-- Written by `pnpm bench` (bench/src/main.ts); the findings come from bench/notes.md. -->',
    '# Benchmarks',
    '',
    `Measured ${started.toISOString().slice(0, 16).replace('T', ' ')} UTC on ${cpu}, ${cpus().length} cores, ` +
      `${Math.round(totalmem() / 2 ** 30)} GiB (${Math.round(freemem() / 2 ** 30)} GiB free), ` +
      `Node ${process.version}, ${platform()} ${release()}. Each server ran as its own process, ` +
      `with \`QUIET=1\`; the load came from another process on the same machine, over 127.0.0.1. ` +
      `${ROUNDS} rounds, the servers alternating within each round; every figure is the median of ` +
      `the rounds, with the lowest and highest in brackets.`,
    '',
    '## Targets',
    '',
    targetsMarkdown(targets),
    '',
    '## Echo throughput',
    '',
    `Each connection keeps a fixed number of binary messages in flight and sends the next as each ` +
      `echo arrives (bench/src/load.ts); ${SECONDS} s are measured after 1 s of warm-up. ` +
      'tcp-echo is a plain TCP echo server - no WebSocket at all - as the upper bound. ' +
      'Round trips include the time a message waits behind the others in flight.',
    '',
    '![Echo throughput as a multiple of echo-server](benchmarks.svg)',
    '',
    ...tables.flatMap((table) => [echoMarkdown(table), '']),
    '## Idle connections',
    '',
    idleMarkdown(idleRows, IDLE_CONNECTIONS),
    '',
    '## Framing',
    '',
    framingResults.replace(/^<!--.*-->\n/, '').replace(/^### /m, '### '),
    '',
    ...(notes ? ['## What was found', '', notes, ''] : []),
  ].join('\n');
  writeFileSync(`${docsDir}/benchmarks.md`, report);
  writeFileSync(`${docsDir}/benchmarks.svg`, echoChart(tables));
  console.log('\nWritten: docs/benchmarks.md, docs/benchmarks.svg\n');
  console.log(targetsMarkdown(targets));
}

await main();
