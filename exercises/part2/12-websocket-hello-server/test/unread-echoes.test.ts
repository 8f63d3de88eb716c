import { unreadEchoesContract } from 'support/testing';
import { packageDir } from './helpers.ts';

// A client that sends 16 KiB messages among pongs and never reads its echoes: once more than
// WRITE_BUFFER_LIMIT waits to be sent, the server stops reading from it, and what it holds is
// within 10% of what it counts: an echo is not left as a view into the 64 KiB read it came in
// (#flush in src/connection.ts). The test itself is support/testing/unread-echoes-contract.ts.
unreadEchoesContract('hello-server', packageDir);
