import { tlsContract } from 'support/testing';
import { createHelloServer } from '../src/server.ts';

// --tls-cert and --tls-key: wss:// and https:// on the same port, with a throwaway certificate
// (support/testing/tls-contract.ts).
tlsContract('hello-server', createHelloServer, true);
