import { fileURLToPath } from 'node:url';
import { fairnessContract } from 'support/testing';

const packageDir = fileURLToPath(new URL('..', import.meta.url));

// While 24 clients flood the program with empty continuation frames, pings whose pongs they never
// read, and unsolicited pongs, another client still gets each echo within a stated bound: the
// server handles at most BYTES_PER_TURN of one client's bytes per turn of the event loop
// (src/server.ts). The test itself is support/testing/fairness-contract.ts.
fairnessContract('echo-server', packageDir, false);
