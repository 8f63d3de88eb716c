// The soak's report, for bench/soak-results.md (docs/benchmarks.md links it: that page holds
// only what `pnpm bench` measured).
import { percentile } from '../stats.ts';
import { HANDSHAKE_GIVE_UP_MS, HANDSHAKE_TARGET_MS, type HandshakeSamples } from './handshakes.ts';
import type { HostileKindResult } from './hostile.ts';
import { HOSTILE_KINDS, judge } from './hostile-kinds.ts';
import { SOAK_HANDSHAKE_TIMEOUT_MS, SOAK_HEARTBEAT_MS } from './servers.ts';
import type { WellBehavedResult } from './well-behaved.ts';

export interface ServerSoakResult {
  server: string;
  well: WellBehavedResult;
  hostile: HostileKindResult[];
  handshakes: HandshakeSamples;
  /** The server's peak resident memory, bytes. */
  peakRss: number;
  /** CPU time the server used during the run, and the load processes, ms. */
  cpuMs: number;
  toolCpuMs: number;
  /** The machine's 1-minute load average when the run ended. */
  load: number;
}

export interface SoakSetup {
  seconds: number;
  wellBehaved: number;
  hostilePerKind: number;
  date: string;
}

/** The target for the server's peak memory. */
const MEMORY_TARGET = 1024 ** 3;

const MB = (bytes: number) => `${Math.round(bytes / 1024 ** 2)} MB`;
const ms = (value: number) => (Number.isNaN(value) ? '-' : `${Math.round(value)} ms`);
const count = (value: number) => value.toLocaleString('en-US');

/** The figures that the targets are about, one server. */
function figures(result: ServerSoakResult) {
  const times = [...result.handshakes.times].sort((a, b) => a - b);
  return {
    lost: result.well.lost,
    corrupted: result.well.corrupted,
    closed: result.well.unexpectedCloses,
    // Newcomers not let in within the target: a late 101, or none at all.
    lateHandshakes:
      times.filter((time) => time > HANDSHAKE_TARGET_MS).length + result.handshakes.refused,
    noHandshake: result.handshakes.refused,
    handshakeP50: percentile(times, 0.5),
    handshakeMax: times.at(-1) ?? Number.NaN,
    newcomers: times.length + result.handshakes.refused,
    peakRss: result.peakRss,
  };
}

function wellBehavedTable(results: ServerSoakResult[]): string[] {
  const rows = [
    '| Server | Sent | Echoed intact | Lost | Corrupted | Closed by the server | Clean closes at the end | Echo p50 / p99 / max | Newcomers: 101 p50 / max | No 101 within 1 s | None in 2 s | Peak memory (RSS) | CPU: server / load | Load average |',
    '| --- | --: | --: | --: | --: | --: | --: | --: | --: | --: | --: | --: | --: | --: |',
  ];
  for (const result of results) {
    const f = figures(result);
    const { well } = result;
    const codes = Object.entries(well.unexpectedCodes)
      .map(([code, n]) => `${code} x${n}`)
      .join(', ');
    rows.push(
      `| ${result.server} | ${count(well.sent)} | ${count(well.intact)} | ${well.lost} | ${well.corrupted} | ${well.unexpectedCloses}${codes ? ` (${codes})` : ''} | ${well.cleanCloses} of ${well.cleanCloses + well.uncleanCloses} | ${ms(well.echo.p50)} / ${ms(well.echo.p99)} / ${ms(well.echo.max)} | ${ms(f.handshakeP50)} / ${ms(f.handshakeMax)} | ${f.lateHandshakes} of ${f.newcomers} | ${f.noHandshake} | ${MB(result.peakRss)} | ${(result.cpuMs / 1000).toFixed(1)} s / ${(result.toolCpuMs / 1000).toFixed(1)} s | ${result.load.toFixed(1)} |`,
    );
  }
  return rows;
}

/** The outcomes of one kind against one server, the differences first. */
function hostileCell(result: ServerSoakResult, kindName: string): string {
  const kind = HOSTILE_KINDS.find((candidate) => candidate.name === kindName);
  const found = result.hostile.find((entry) => entry.name === kindName);
  if (kind === undefined || found === undefined) return '-';
  const list = (entries: [string, number][]) =>
    entries
      .sort((a, b) => b[1] - a[1])
      .map(([outcome, n]) => `${outcome} x${count(n)}`)
      .join(', ');
  const verdict = judge(kind, found.outcomes);
  const said = verdict.asExpected
    ? 'as expected'
    : verdict.ended === 0
      ? '**differs**: none ended within the run'
      : `**differs**: ${list(verdict.differences)}`;
  return `${said}. ${list(Object.entries(found.outcomes))}; p50 ${ms(found.lifetime.p50)}`;
}

function hostileTable(results: ServerSoakResult[]): string[] {
  const rows = [
    `| Hostile kind | ${results.map((result) => result.server).join(' | ')} |`,
    `| --- | ${results.map(() => '---').join(' | ')} |`,
  ];
  for (const kind of HOSTILE_KINDS) {
    const cells = results.map((result) => hostileCell(result, kind.name));
    rows.push(`| ${kind.name} | ${cells.join(' | ')} |`);
  }
  return rows;
}

/** What each hostile kind does, and what a correct server does about it. */
function hostileExpectations(): string[] {
  return HOSTILE_KINDS.map(
    (kind) =>
      `- **${kind.name}** ${kind.does}. Expected: ${kind.expected} (${kind.outcomes.map((o) => `"${o}"`).join(' or ')}).`,
  );
}

/** Messages sent that are neither intact, lost nor corrupted: each must be one of the three. */
export function unaccounted(well: WellBehavedResult): number {
  return well.sent - well.intact - well.lost - well.corrupted;
}

/** The figures the hand-written servers are held against echo-server on. */
const FIGURE_NAMES = {
  lost: 'lost',
  corrupted: 'corrupted',
  closed: 'closed',
  lateHandshakes: 'no 101 within 1 s',
  peakRss: 'peak memory',
} as const;
const show = (key: string, value: number) => (key === 'peakRss' ? MB(value) : String(value));

/** Each target, met or missed, with the figure. */
function targets(results: ServerSoakResult[]): string[] {
  const lines: string[] = [];
  const baseline = results.find((result) => result.server === 'echo-server');
  for (const result of results) {
    const f = figures(result);
    const missed: string[] = [];
    const notCounted = unaccounted(result.well);
    if (notCounted !== 0) {
      missed.push(
        `sent ${count(result.well.sent)}, but intact + lost + corrupted is ${count(result.well.sent - notCounted)}`,
      );
    }
    if (f.lost + f.corrupted > 0) missed.push(`${f.lost} lost and ${f.corrupted} corrupted`);
    if (f.closed > 0) missed.push(`${f.closed} well-behaved clients closed`);
    if (f.lateHandshakes > 0) {
      missed.push(
        `${f.lateHandshakes} of ${f.newcomers} newcomers had no 101 within 1 s (${f.noHandshake} none in ${HANDSHAKE_GIVE_UP_MS / 1000} s; max of the others ${ms(f.handshakeMax)})`,
      );
    }
    if (f.peakRss >= MEMORY_TARGET) missed.push(`peak memory ${MB(f.peakRss)}`);
    const differing = HOSTILE_KINDS.filter((kind) => {
      const found = result.hostile.find((entry) => entry.name === kind.name);
      return found !== undefined && !judge(kind, found.outcomes).asExpected;
    });
    if (differing.length > 0) {
      missed.push(
        `hostile kinds not ended as expected: ${differing.map((k) => k.name).join(', ')}`,
      );
    }
    if (baseline && result !== baseline) {
      const b = figures(baseline);
      const worse = (Object.keys(FIGURE_NAMES) as (keyof typeof FIGURE_NAMES)[])
        .filter((key) => f[key] > b[key])
        .map((key) => `${FIGURE_NAMES[key]} ${show(key, f[key])} against ${show(key, b[key])}`);
      if (worse.length > 0) missed.push(`worse than echo-server: ${worse.join(', ')}`);
    }
    lines.push(
      `- ${result.server}: ${missed.length === 0 ? 'every target met' : `missed: ${missed.join('; ')}`}.`,
    );
  }
  return lines;
}

export function soakReport(setup: SoakSetup, results: ServerSoakResult[]): string {
  return [
    '### Soak: well-behaved and hostile clients at once',
    '',
    `\`pnpm soak\`, ${setup.date}: for ${setup.seconds} s per server, ${setup.wellBehaved} well-behaved clients (text and binary messages of 0 B to 1 MiB, about two a second each, a fifth of them fragmented, some after a ping; each echo checked byte for byte) and ${setup.hostilePerKind} hostile clients of each of ${HOSTILE_KINDS.length} kinds (${setup.hostilePerKind * HOSTILE_KINDS.length} in all; each connects again once the server has ended it), while a newcomer tries to connect every second. Servers run with HEARTBEAT_INTERVAL=${SOAK_HEARTBEAT_MS} and HANDSHAKE_TIMEOUT=${SOAK_HANDSHAKE_TIMEOUT_MS}. The load runs in two processes of its own (bench/src/soak/), beside the server, on the same 2 cores.`,
    '',
    ...wellBehavedTable(results),
    '',
    `The well-behaved clients' own process was late by up to ${results.map((result) => `${ms(result.well.ownDelay.max)} (p99 ${ms(result.well.ownDelay.p99)}) with ${result.server}`).join(', ')}: that much of an echo time may be the tool's rather than the server's.`,
    '',
    'How the servers ended each hostile kind, judged against what a correct server does (below): "as expected", or "differs" with the outcomes that should not have been; then every outcome with its count, and how long a connection of that kind lasted (median). "ended (unread)": the kind reads nothing, so only the end of the connection is seen; "open at the end": still connected when the run stopped (neither right nor wrong); "close 1002 where close 1007 was due": the close code of another rule.',
    '',
    ...hostileTable(results),
    '',
    ...hostileExpectations(),
    '',
    `Targets: every message sent counted once (sent = intact + lost + corrupted), nothing lost or corrupted, no well-behaved client closed by the server, every hostile kind ended as expected, every newcomer's 101 within ${HANDSHAKE_TARGET_MS / 1000} s, peak memory under 1 GiB; the hand-written servers at least as good as echo-server.`,
    '',
    ...targets(results),
    '',
  ].join('\n');
}
