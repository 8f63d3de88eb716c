// --help, `-- --help` (as `pnpm start -- --help` passes it) and an unknown option, with the
// program run as a learner runs it.
import { fileURLToPath } from 'node:url';
import { helpContract } from 'support/testing';

const packageDir = fileURLToPath(new URL('..', import.meta.url));

helpContract(packageDir, 'hello-server-ws', [
  '--port N',
  '--max-payload N',
  '--heartbeat-interval MS',
  '--allowed-origins LIST',
]);
