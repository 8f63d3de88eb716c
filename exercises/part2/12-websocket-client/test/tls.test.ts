import { fileURLToPath } from 'node:url';
import { clientTlsContract, spawnProgram } from 'support/testing';

const packageDir = fileURLToPath(new URL('..', import.meta.url));

// --ca, --insecure and the one-line refusals of untrusted certificates
// (support/testing/tls-contract.ts). One reply is enough: --count 1.
clientTlsContract('client', async (url, args) => {
  const program = spawnProgram(packageDir, [url, '--count', '1', ...args]);
  const { code } = await program.exited;
  // The line "Connected to ..." and the close lines are this client's own; keep the ones that
  // matter here: errors, warnings, and what was received.
  const lines = program.output.lines.filter(
    (line) => !/^(Connected to|Closing:|Closed:)/.test(line),
  );
  return { code, lines };
});
