import { fileURLToPath } from 'node:url';
import { clientTlsContract, spawnProgram } from 'support/testing';

const packageDir = fileURLToPath(new URL('..', import.meta.url));

// --ca, --insecure and the one-line refusals of untrusted certificates
// (support/testing/tls-contract.ts). One line in, then the end of input closes the connection.
clientTlsContract('native-client', async (url, args) => {
  const program = spawnProgram(packageDir, [url, ...args]);
  program.child.stdin?.end('over TLS\n');
  const { code } = await program.exited;
  // "Connected! ..." and "closed: ..." are this client's own lines; keep the ones that matter
  // here: errors, warnings, and what was received.
  const lines = program.output.lines.filter((line) => !/^(Connected!|closed:)/.test(line));
  return { code, lines };
});
