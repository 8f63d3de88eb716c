import { fileURLToPath } from 'node:url';
import { unreadEchoesContract } from 'support/testing';

const packageDir = fileURLToPath(new URL('..', import.meta.url));

// A client that sends 16 KiB messages among pongs and never reads its echoes: once more than
// WRITE_BUFFER_LIMIT waits to be sent, the server stops reading from it, and what it holds is
// within 10% of what it counts: an echo is not left as a view into the 64 KiB read it came in
// (onMessage in src/server.ts). The test itself is support/testing/unread-echoes-contract.ts.
unreadEchoesContract('hello-server-ws', packageDir);
