// pnpm soak: well-behaved and hostile clients against each server at once.
//
//   pnpm soak                   30 s per server
//   pnpm soak --quick           10 s per server
//   pnpm soak --seconds 60 --server native-server
//
// For each server: start it as its own program; fork the well-behaved clients and the hostile
// ones, each into a process of their own; sample a newcomer's handshake every second from this
// process; print progress; after the set time, let the well-behaved clients close, stop the
// hostile ones, read the server's peak memory, stop it. Then write the report
// (bench/soak-results.md).
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { sampleHandshakes } from './handshakes.ts';
import type { HostileConfig, HostileKindResult, HostileProgress } from './hostile.ts';
import { type ServerSoakResult, soakReport } from './report.ts';
import { SOAK_SERVERS, type SoakServer, startSoakServer } from './servers.ts';
import type { WellBehavedConfig, WellBehavedProgress, WellBehavedResult } from './well-behaved.ts';
import { forkWorker } from './worker.ts';

/** 200 well-behaved and 200 hostile clients: 400 at once, far below the ~28,000 ephemeral ports. */
const WELL_BEHAVED = 200;
const HOSTILE_PER_KIND = 25;
/** How long the load processes get to start and connect before the clock starts anyway. */
const READY_WAIT_MS = 20_000;

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    seconds: { type: 'string' },
    server: { type: 'string', multiple: true },
  },
});
const seconds = Number(values.seconds ?? (values.quick ? 10 : 30));
const chosen = values.server
  ? SOAK_SERVERS.filter((server) => values.server?.includes(server.name))
  : SOAK_SERVERS;

async function soak(server: SoakServer): Promise<ServerSoakResult> {
  const running = await startSoakServer(server);
  const cpuBefore = running.cpuMs();
  const well = forkWorker<WellBehavedProgress, WellBehavedResult>('./well-behaved.ts', {
    port: running.port,
    clients: WELL_BEHAVED,
    greets: server.greets,
  } satisfies WellBehavedConfig);
  const hostile = forkWorker<HostileProgress, HostileKindResult[]>('./hostile.ts', {
    port: running.port,
    perKind: HOSTILE_PER_KIND,
  } satisfies HostileConfig);
  // The clock starts once every well-behaved client is connected (starting the load processes
  // takes a few seconds on a busy machine), or after READY_WAIT_MS at most.
  const readySince = performance.now();
  while ((well.progress?.open ?? 0) < WELL_BEHAVED || hostile.progress === undefined) {
    if (performance.now() - readySince > READY_WAIT_MS) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const handshakes = sampleHandshakes(running.port);

  const started = performance.now();
  for (let second = 1; second <= seconds; second++) {
    await new Promise((resolve) =>
      setTimeout(resolve, started + second * 1000 - performance.now()),
    );
    if (second % 5 !== 0 && second !== seconds) continue;
    const w = well.progress;
    const h = hostile.progress;
    const { rss } = running.memory();
    console.log(
      `  ${server.name} ${second}/${seconds} s: ${w?.open ?? 0} well-behaved open, ${w?.intact ?? 0} echoes intact, ` +
        `${(w?.lost ?? 0) + (w?.corrupted ?? 0)} lost or corrupted, ${w?.unexpectedCloses ?? 0} closed, ` +
        `echo max ${Math.round(w?.echoMaxMs ?? 0)} ms; ${h?.open ?? 0} hostile open, ${h?.ended ?? 0} ended; ` +
        `server RSS ${Math.round(rss / 1024 ** 2)} MB`,
    );
  }

  console.log(`  ${server.name}: closing the well-behaved clients, then the hostile ones`);
  const samples = await handshakes.stop();
  const wellDone = await well.stop();
  const hostileDone = await hostile.stop();
  const { peak } = running.memory();
  const cpuMs = running.cpuMs() - cpuBefore;
  // The machine's load average over the last minute: how busy the 2 cores were with anything.
  const load = Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]);
  await running.stop();
  return {
    server: server.name,
    well: wellDone.result,
    hostile: hostileDone.result,
    toolCpuMs: wellDone.cpuMs + hostileDone.cpuMs,
    handshakes: samples,
    peakRss: peak,
    cpuMs,
    load,
  };
}

const results: ServerSoakResult[] = [];
for (const server of chosen) {
  console.log(
    `${server.name}: ${seconds} s, ${WELL_BEHAVED} well-behaved and ${HOSTILE_PER_KIND * 8} hostile clients`,
  );
  results.push(await soak(server));
}
const report = soakReport(
  {
    seconds,
    wellBehaved: WELL_BEHAVED,
    hostilePerKind: HOSTILE_PER_KIND,
    date: new Date().toISOString().slice(0, 10),
  },
  results,
);
console.log(`\n${report}`);
writeFileSync(fileURLToPath(new URL('../../soak-results.md', import.meta.url)), report);
console.log('Written: bench/soak-results.md');
