// pnpm bench: every server of the project beside plain `ws`, in one run - echo throughput at
// three message sizes, throughput and memory as connections grow, opening handshakes per second,
// framing - written to docs/benchmarks.md with its charts. `pnpm bench --quick`: a short look,
// printed and not written.
//
//   BENCH_ROUNDS=3     rounds per measurement (servers alternate: A B C A B C ...)
//   BENCH_SECONDS=3    measured seconds per round (after one second of warm-up)
//   BENCH_IDLE=1000,10000,50000   idle connection counts
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { spawnProgram } from 'support/testing/program';
import { type LoadResult, runClient, runLoad } from './clients.ts';
import type { HandshakeConfig, HandshakeResult } from './handshakes.ts';
import type { LoadConfig } from './load.ts';
import { raiseOpenFiles } from './open-files.ts';
import { type EchoSize, FULL, type Plan, QUICK } from './plan.ts';
import { summaryMarkdown, targets, targetsMarkdown, writeReport } from './report.ts';
import { Results } from './results.ts';
import { type RunningProgram, SERVERS, type ServerUnderTest, startServer } from './servers.ts';

const benchDir = fileURLToPath(new URL('..', import.meta.url));

const { values: flags } = parseArgs({ options: { quick: { type: 'boolean', default: false } } });
const plan: Plan = { ...(flags.quick ? QUICK : FULL) };

// Each idle connection is a file descriptor in the server and in the idle client. A count this
// machine does not allow (the open-file limit, raised if it may be) is replaced by the most it
// allows, and the report says so.
const notes: string[] = [];
const wanted = Math.max(...plan.idle) + 1000;
const allowed = raiseOpenFiles(wanted);
if (allowed < wanted) {
  const most = Math.floor((allowed - 1000) / 1000) * 1000;
  for (const count of plan.idle.filter((n) => n > most)) {
    notes.push(
      `${count.toLocaleString('en-US')} idle connections cannot be opened on this machine: the ` +
        `open-file limit is ${allowed.toLocaleString('en-US')} and may not be raised here; ` +
        `measured at ${most.toLocaleString('en-US')} instead.`,
    );
  }
  plan.idle = [...new Set(plan.idle.map((n) => Math.min(n, most)))];
}

// Progress: one line per round of each server, with the time since the start.
const started = Date.now();
const totalSteps = plan.rounds * SERVERS.length * 2 + (plan.full ? 1 : 0);
let step = 0;
function progress(line: string): void {
  step += 1;
  const elapsed = Math.round((Date.now() - started) / 1000);
  console.log(`[${step}/${totalSteps}, ${elapsed} s] ${line}`);
}

/**
 * A load process above this share of one core (in %) may be what sets the pace rather than the
 * server: the measurement is then made again with the connections shared out over twice as many
 * processes, and the faster of the two is kept (the report shows how many processes it had).
 */
const SATURATED_CPU = 80;

/** One load: `connections` connections, each keeping `window` messages of `size` bytes in flight. */
async function echo(
  running: RunningProgram,
  server: ServerUnderTest,
  load: Pick<EchoSize, 'size' | 'connections' | 'window'>,
): Promise<LoadResult> {
  const config: LoadConfig = {
    port: running.port,
    ...load,
    warmupMs: plan.warmupMs,
    durationMs: plan.measureMs,
    websocket: server.websocket,
    skipFirst: server.greets,
    serverPid: running.program.child.pid,
  };
  let best = await runLoad(config, 1, server.name);
  while (Math.max(...best.cpu) > SATURATED_CPU && best.cpu.length * 2 <= load.connections) {
    const split = await runLoad(config, best.cpu.length * 2, server.name);
    if (split.messages / split.seconds <= best.messages / best.seconds) break;
    best = split;
  }
  return best;
}

/**
 * One round of one server, in a process of its own: echo throughput at each message size, then
 * with more and more connections, then opening handshakes.
 */
async function busyRound(server: ServerUnderTest, results: Results): Promise<void> {
  const running = await startServer(server);
  const mine = results.get(server.name);
  try {
    mine.startLine = running.startLine;
    const rates: string[] = [];
    for (const size of plan.sizes) {
      const result = await echo(running, server, size);
      mine.echo(size.label).push(result);
      const cpu = `server ${Math.round(result.serverCpu)}%, load ${result.cpu.map(Math.round).join('+')}%`;
      rates.push(`${size.label} ${Math.round(result.messages / result.seconds)}/s (${cpu})`);
    }
    for (const connections of plan.scaling) {
      // 32-byte messages, one in flight on each connection: a chat, not a file transfer.
      const result = await echo(running, server, { size: 32, connections, window: 1 });
      mine.scaling(connections).push(result);
    }
    if (server.websocket) {
      const config: HandshakeConfig = {
        port: running.port,
        concurrency: plan.handshakeConcurrency,
        warmupMs: plan.warmupMs,
        durationMs: plan.measureMs,
      };
      const result = await runClient<HandshakeResult>('src/handshakes.ts', config, server.name);
      mine.handshakes.push(result);
      rates.push(`${Math.round(result.handshakes / result.seconds)} handshakes/s`);
    }
    progress(`${server.name}: ${rates.join(', ')}`);
  } finally {
    await running.stop();
  }
}

/**
 * One idle round of one server: its memory after a full garbage collection, before any
 * connection and then with each count of idle connections open. Resident memory (RSS) is what
 * the targets count; the JavaScript heap and Node's buffers outside it (`external`) show where
 * it goes.
 */
async function idleRound(server: ServerUnderTest, results: Results): Promise<void> {
  const running = await startServer(server);
  const args = [String(running.port), ...(server.websocket ? [] : ['tcp'])];
  const idle = spawnProgram(benchDir, args, {}, 'src/idle.ts');
  try {
    const before = await running.memory();
    const heap = (usage: NodeJS.MemoryUsage) => usage.heapUsed + usage.external;
    const line: string[] = [];
    const socketsBefore = running.sockets();
    for (const count of plan.idle) {
      const opened = idle.output.next(new RegExp(`^open ${count}$`));
      idle.child.stdin?.write(`open ${count}\n`);
      await opened;
      const after = await running.memory();
      // What the idle client says it opened is what the server holds, or there is no figure.
      const held = running.sockets() - socketsBefore;
      if (held !== count) {
        throw new Error(`${server.name}: holds ${held} connections, not the ${count} opened`);
      }
      const perConnection = {
        rss: (after.rss - before.rss) / count,
        heap: (heap(after) - heap(before)) / count,
      };
      results.get(server.name).idle(count).push(perConnection);
      line.push(`${count}: ${Math.round(perConnection.rss)} B`);
    }
    progress(`${server.name} idle, RSS per connection at ${line.join(', ')}`);
  } finally {
    idle.child.stdin?.end();
    await idle.exited;
    await running.stop();
  }
}

async function main(): Promise<void> {
  const startedAt = new Date();
  const minutes = flags.quick ? 'two or three minutes' : 'about 25 minutes';
  console.log(
    `pnpm bench${flags.quick ? ' --quick' : ''}: ${SERVERS.length} servers, ${plan.rounds} ` +
      `round(s); this takes ${minutes}.` +
      (plan.full ? ' Results go to docs/benchmarks.md.' : ' Results are printed, not written.'),
  );
  const results = new Results();
  for (const note of notes) results.notes.add(note);
  const load: number[] = [];

  // The servers take turns within each round, so a machine that gets busier during the run
  // slows all of them alike.
  for (let round = 1; round <= plan.rounds; round++) {
    for (const server of SERVERS) {
      load.push(loadavg()[0] ?? 0);
      await busyRound(server, results);
    }
  }
  for (let round = 1; round <= plan.rounds; round++) {
    for (const server of SERVERS) await idleRound(server, results);
  }

  let framing = '';
  if (plan.full) {
    // The framing benchmark: the hand-written core (shared) beside ws's Receiver and Sender.
    const run = spawnProgram(benchDir, [], {}, 'src/framing.ts');
    await run.exited;
    progress('framing benchmark done');
    framing = readFileSync(`${benchDir}/framing-results.md`, 'utf8');
  }

  const measured = targets(results, plan);
  console.log(`\n${summaryMarkdown(results, plan)}\n\n${targetsMarkdown(measured)}`);
  if (plan.full) {
    writeReport({ results, plan, targets: measured, framing, startedAt, load });
    console.log('\nWritten: docs/benchmarks.md and its charts (docs/benchmarks-*.svg)');
  }
}

// A failed measurement (a wrong echo, a refused handshake, connections not held) stops the run
// with its one line: no figure is better than a wrong one.
main().catch((error: unknown) => {
  console.error(`pnpm bench stopped: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
