// The soak's load runs in processes of its own, apart from the one that samples handshakes and
// prints progress: on a 2-core machine, a tool that floods and verifies in the same process as
// its clock would measure its own busy event loop, not the server's. This file is the little
// protocol between them, over Node's IPC channel:
//
//   parent -> worker   the config, as argv[2] (JSON); later { type: 'stop' }
//   worker -> parent   { type: 'progress', progress } every second; { type: 'result', result } once
import { fork } from 'node:child_process';
import { once } from 'node:events';

type ToParent<P, R> =
  | { type: 'progress'; progress: P }
  | { type: 'result'; result: R; cpuMs: number };

/** A load process, seen from the parent. */
export interface Worker<P, R> {
  /** The latest progress it reported (undefined before the first second). */
  readonly progress: P | undefined;
  /** Asks it to finish; resolves with its result, and the CPU time it used (ms), once it has. */
  stop(): Promise<{ result: R; cpuMs: number }>;
}

/** Starts `file` (a .ts file in this folder) as a worker process with `config`. */
export function forkWorker<P, R>(file: string, config: object): Worker<P, R> {
  const child = fork(new URL(file, import.meta.url), [JSON.stringify(config)], {
    execArgv: ['--import', 'tsx'],
  });
  let progress: P | undefined;
  let result: { result: R; cpuMs: number } | undefined;
  child.on('message', (message: ToParent<P, R>) => {
    if (message.type === 'progress') progress = message.progress;
    else result = { result: message.result, cpuMs: message.cpuMs };
  });
  const exited = once(child, 'exit');
  return {
    get progress() {
      return progress;
    },
    async stop() {
      child.send({ type: 'stop' });
      const [code] = (await exited) as [number | null];
      if (result === undefined) throw new Error(`${file} exited (${code}) without a result`);
      return result;
    },
  };
}

/**
 * The worker's side: `start(config)` begins the load; the progress it returns is sent every
 * second; on 'stop', `finish()` ends the load and its result goes to the parent.
 */
export function runWorker<C, P, R>(
  start: (config: C) => { progress(): P; finish(): Promise<R> },
): void {
  const config = JSON.parse(process.argv[2] ?? '{}') as C;
  const load = start(config);
  const send = (message: ToParent<P, R>) => process.send?.(message);
  const report = () => send({ type: 'progress', progress: load.progress() });
  const ticker = setInterval(report, 1000);
  report();
  process.on('message', async (message: { type: string }) => {
    if (message.type !== 'stop') return;
    clearInterval(ticker);
    const result = await load.finish();
    const { user, system } = process.cpuUsage();
    const cpuMs = (user + system) / 1000;
    process.send?.({ type: 'result', result, cpuMs }, () => process.exit(0));
  });
}
