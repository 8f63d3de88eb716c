import { fileURLToPath } from 'node:url';
import { helloServerContract } from 'support/testing';
import { createHelloServer } from '../src/server.ts';

// The greeting (IPv4, IPv6, IPv4-mapped, X-Forwarded-For ignored), the echo after it, and the
// program's start and shutdown: the same tests as hello-server-ws, the version with `ws`.
helloServerContract(
  'hello-server',
  fileURLToPath(new URL('..', import.meta.url)),
  createHelloServer,
);
