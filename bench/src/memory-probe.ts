// Loaded into each server by the benchmark (NODE_OPTIONS=--import), never by the servers
// themselves: on SIGUSR2 it collects garbage and prints the process's memory use, so the idle
// measurement counts what connections keep, not garbage that happens not to be collected yet.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

process.on('SIGUSR2', () => {
  gc();
  gc();
  console.log(`memory ${JSON.stringify(process.memoryUsage())}`);
});
