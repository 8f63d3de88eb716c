// Runs the benchmark's client programs (load.ts, handshakes.ts), each a process of its own, and
// reads their results. A client that fails - a wrong echo, a refused handshake - fails the
// measurement with its one line, and the server's name in front.
import { fileURLToPath } from 'node:url';
import { type Program, spawnProgram } from 'support/testing/program';
import { Latencies } from './latency.ts';
import type { LoadConfig, LoadProcessResult } from './load.ts';

const benchDir = fileURLToPath(new URL('..', import.meta.url));

/** The result of one echo measurement, over all its load processes. */
export interface LoadResult {
  messages: number;
  seconds: number;
  /** Round-trip times in milliseconds. */
  p50: number;
  p99: number;
  /** Each load process's CPU time over the measured seconds, as a percentage of one core. */
  cpu: number[];
  /** The server's CPU time over the same seconds, as a percentage of one core. */
  serverCpu: number;
}

/** The last line a failed client printed: its reason, in one line. */
async function outcome<T>(program: Program, server: string): Promise<T> {
  const exit = await program.exited;
  const last = program.output.lines.at(-1) ?? '';
  if (exit.code !== 0) throw new Error(`${server}: ${last || `exit ${exit.code ?? exit.signal}`}`);
  return JSON.parse(last) as T;
}

/** Runs a client program (`entry`, with `config` as JSON) to its end; returns its line of JSON. */
export function runClient<T>(entry: string, config: object, server: string): Promise<T> {
  return outcome<T>(spawnProgram(benchDir, [JSON.stringify(config)], {}, entry), server);
}

/**
 * One echo measurement: `config.connections` connections shared out over `processes` load
 * processes (one process on a 2-core machine may itself be the bottleneck: each reports its own
 * CPU). All of them open their connections first, then start together on one signal, so they
 * measure the same seconds; their counts and round trips are added up.
 */
export async function runLoad(config: LoadConfig, processes: number, server: string) {
  const count = Math.max(1, Math.min(processes, config.connections));
  const programs = Array.from({ length: count }, (_, i) => {
    // Connections as evenly as they go: 64 over 2 is 32 and 32, 1,000 over 3 is 334, 333, 333.
    const connections =
      Math.floor(config.connections / count) + (i < config.connections % count ? 1 : 0);
    return spawnProgram(benchDir, [JSON.stringify({ ...config, connections })], {}, 'src/load.ts');
  });
  try {
    const ready = await Promise.all(
      programs.map((program) =>
        Promise.race([
          program.output.waitFor(/^ready$/).then(
            () => true,
            () => false,
          ),
          program.exited.then(() => false),
        ]),
      ),
    );
    const failed = programs.find((_, i) => !ready[i]);
    if (failed) {
      await outcome(failed, server);
      throw new Error(`${server}: a load process ended before its connections were open`);
    }
    for (const program of programs) program.child.stdin?.write('go\n');
    const results = await Promise.all(
      programs.map((program) => outcome<LoadProcessResult>(program, server)),
    );
    const latencies = new Latencies();
    for (const result of results) latencies.add(result.latencies);
    const result: LoadResult = {
      messages: results.reduce((sum, r) => sum + r.messages, 0),
      seconds: results.reduce((sum, r) => sum + r.seconds, 0) / results.length,
      p50: latencies.percentile(0.5),
      p99: latencies.percentile(0.99),
      cpu: results.map((r) => r.cpu),
      serverCpu: results[0]?.serverCpu ?? Number.NaN,
    };
    return result;
  } finally {
    for (const program of programs) {
      if (program.child.exitCode === null) program.child.kill();
    }
  }
}
