import { targetContract } from 'support/testing';
import { createEchoServer } from '../src/server.ts';

// The hosts it answers for: listening on loopback, only loopback names (421 for the rest: DNS
// rebinding), any well-formed Host once opened to the network; and no upgrade over HTTP/1.0
// (support/testing/target-contract.ts, support/src/target.ts).
targetContract('echo-server', createEchoServer);
