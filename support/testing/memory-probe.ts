// Loaded into a server by the benchmark and the memory tests (NODE_OPTIONS=--import), never by
// the servers themselves: on SIGUSR2 it collects garbage and prints the process's memory use, so
// a measurement counts what connections keep, not garbage that happens not to be collected yet.
// See `memoryOf` in program.ts.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

// After a collection V8 hands freed pages back to the system a moment later, from a background
// task: reading the resident memory (RSS) at once counted a varying part of the garbage (the same
// server measured 3,200 to 4,900 bytes per idle connection). Collect, wait, collect again.
const SETTLE_MS = 1000;

process.on('SIGUSR2', () => {
  gc();
  gc();
  setTimeout(() => {
    gc();
    console.log(`memory ${JSON.stringify(process.memoryUsage())}`);
  }, SETTLE_MS);
});
