import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join } from 'node:path';

/**
 * A private certificate authority (CA) and a server certificate it signed, for trying wss:// on
 * your own machine. Browsers and clients trust the server once they trust the CA: one file to
 * import, whatever certificates you make with it later.
 *
 * Made with the `openssl` command-line tool (Node can check certificates but not sign them).
 */
export interface CertificateFiles {
  /** The CA's certificate: what clients trust (`--ca certs/ca.pem`, or a browser's import). */
  ca: string;
  /** The CA's private key: keep it to yourself; anyone with it can impersonate any site to you. */
  caKey: string;
  /** The server's certificate (`--tls-cert`). */
  cert: string;
  /** The server's private key (`--tls-key`). */
  key: string;
}

export interface CertificateOptions {
  /** Names and addresses the server certificate is valid for. */
  hosts?: string[];
  /** Shown in certificate viewers. */
  caName?: string;
}

export const DEFAULT_CERTIFICATE_HOSTS = ['localhost', '127.0.0.1', '::1'];

/** Creates `ca.pem`, `ca-key.pem`, `server.pem` and `server-key.pem` in `dir`. */
export function createCertificates(
  dir: string,
  options: CertificateOptions = {},
): CertificateFiles {
  const hosts = options.hosts ?? DEFAULT_CERTIFICATE_HOSTS;
  const caName = options.caName ?? 'WebSockets lesson development CA';
  mkdirSync(dir, { recursive: true });
  const files = {
    ca: join(dir, 'ca.pem'),
    caKey: join(dir, 'ca-key.pem'),
    cert: join(dir, 'server.pem'),
    key: join(dir, 'server-key.pem'),
  };
  const request = join(dir, 'server.csr');
  const extensions = join(dir, 'server.ext');
  const openssl = (args: string[]) => execFileSync('openssl', args, { stdio: 'pipe' });
  const newKey = (file: string) =>
    openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', file]);

  // 1. The CA: a key pair (elliptic curve P-256: small and fast) and a self-signed certificate
  //    that says "this key may sign other certificates" (basicConstraints CA:TRUE).
  newKey(files.caKey);
  // biome-ignore format: one openssl option and its value per line would hide the command
  openssl([
    'req', '-x509', '-new', '-key', files.caKey, '-sha256', '-days', '3650',
    '-subj', `/CN=${caName}`,
    '-addext', 'basicConstraints=critical,CA:TRUE',
    '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
    '-out', files.ca,
  ]);

  // 2. The server: its own key pair, and a certificate the CA signs. Clients check the name
  //    they connected to against subjectAltName, so every name and address is listed there.
  //    825 days is the longest validity Apple's systems accept for a server certificate.
  newKey(files.key);
  openssl([
    'req',
    '-new',
    '-key',
    files.key,
    '-subj',
    `/CN=${hosts[0] ?? 'localhost'}`,
    '-out',
    request,
  ]);
  const names = hosts.map((host) => (isIP(host) ? `IP:${host}` : `DNS:${host}`)).join(',');
  writeFileSync(
    extensions,
    [
      `subjectAltName=${names}`,
      'basicConstraints=critical,CA:FALSE',
      'keyUsage=critical,digitalSignature',
      'extendedKeyUsage=serverAuth',
    ].join('\n'),
  );
  // biome-ignore format: one openssl option and its value per line would hide the command
  openssl([
    'x509', '-req', '-in', request, '-CA', files.ca, '-CAkey', files.caKey, '-CAcreateserial',
    '-days', '825', '-sha256', '-extfile', extensions, '-out', files.cert,
  ]);
  for (const leftover of [request, extensions, join(dir, 'ca.srl')])
    rmSync(leftover, { force: true });
  return files;
}
