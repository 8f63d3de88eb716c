import { fairnessContract } from 'support/testing';
import { packageDir } from './helpers.ts';

// While 36 clients flood the program with empty continuation frames, pings whose pongs they never
// read, and unsolicited pongs, another client still gets its echoes, the median of them within a stated bound: the
// server handles at most BYTES_PER_TURN of one client's bytes per turn of the event loop
// (src/connection.ts). The test itself is support/testing/fairness-contract.ts.
fairnessContract('hello-server', packageDir, true);
