// pnpm certs: a development CA and a certificate for localhost, 127.0.0.1 and ::1, in certs/ at
// the repository root (which git ignores). docs/wss.md says what to do next.
import { fileURLToPath } from 'node:url';
import { createCertificates } from '../src/certificates.ts';

const dir = fileURLToPath(new URL('../../certs', import.meta.url));
try {
  const files = await createCertificates(dir);
  console.log(`Made in ${dir}:
  ca.pem          the development CA: trust it in your browser, or pass --ca to the clients
  ca-key.pem      the CA's private key: never share it, never trust a CA whose key you do not own
  server.pem      the server certificate, for localhost, 127.0.0.1 and ::1 (--tls-cert)
  server-key.pem  its private key (--tls-key)

Start a server with wss:
  pnpm --filter native-server start --tls-cert ${files.cert} --tls-key ${files.key}
Connect:
  pnpm --filter native-client start wss://localhost:8082/ws --ca ${files.ca}`);
} catch (error) {
  console.error(
    `pnpm certs could not make the certificates in ${dir}: ${(error as Error).message}`,
  );
  process.exit(1);
}
