// Loaded into a server by the benchmark and the memory tests (NODE_OPTIONS=--import), never by
// the servers themselves: on SIGUSR2 it collects garbage and prints the process's memory use, so
// a measurement counts what connections keep, not garbage that happens not to be collected yet.
// See `memoryOf` in program.ts.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

process.on('SIGUSR2', () => {
  gc();
  gc();
  console.log(`memory ${JSON.stringify(process.memoryUsage())}`);
});
