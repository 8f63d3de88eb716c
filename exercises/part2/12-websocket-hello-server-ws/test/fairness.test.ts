import { fileURLToPath } from 'node:url';
import { fairnessContract } from 'support/testing';

const packageDir = fileURLToPath(new URL('..', import.meta.url));

// While 36 clients flood the program with empty continuation frames, pings whose pongs they
// never read, and unsolicited pongs, another client still gets its echoes, the median of them
// within a stated bound: once the server has spent TIME_PER_TURN_MS on one client, the others get
// a turn of the event loop (src/server.ts). The test itself is support/testing/fairness-contract.ts.
fairnessContract('hello-server-ws', packageDir, true);
