// --help, `-- --help` (as `pnpm start -- --help` passes it) and an unknown option, with the
// program run as a learner runs it.
import { fileURLToPath } from 'node:url';
import { helpContract } from 'support/testing';

const packageDir = fileURLToPath(new URL('..', import.meta.url));

helpContract(packageDir, 'native-client', ['--trace', '--timeout MS', '--ca FILE', '--insecure']);
