import { KeyObject, randomBytes, webcrypto } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { join } from 'node:path';
import type * as X509 from '@peculiar/x509';

/**
 * A private certificate authority (CA) and a server certificate it signed, for trying wss:// on
 * your own machine. Browsers and clients trust the server once they trust the CA: one file to
 * import, whatever certificates you make with it later.
 *
 * Made in this process, with the @peculiar/x509 library: Node's own `node:crypto` can make keys
 * and sign bytes, and read certificates (`X509Certificate`), but not write one. The library
 * lays out the certificate; Node's WebCrypto makes the keys and the signatures.
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

/** Elliptic curve P-256 keys: small and fast, and every TLS client knows them. */
const KEY_ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256' };
/** How the CA signs: ECDSA over a SHA-256 hash ("ecdsa-with-SHA256"). */
const SIGNING_ALGORITHM = { name: 'ECDSA', hash: 'SHA-256' };

/** Creates `ca.pem`, `ca-key.pem`, `server.pem` and `server-key.pem` in `dir`. */
export async function createCertificates(
  dir: string,
  options: CertificateOptions = {},
): Promise<CertificateFiles> {
  const hosts = options.hosts ?? DEFAULT_CERTIFICATE_HOSTS;
  const caName = options.caName ?? 'WebSockets lesson development CA';
  const x509 = await loadX509();
  const now = new Date();

  // 1. The CA: a key pair and a self-signed certificate that says "this key may sign other
  //    certificates" (basicConstraints CA:TRUE, keyUsage keyCertSign).
  const caKeys = await newKeyPair();
  const ca = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerialNumber(),
    name: [{ CN: [caName] }],
    keys: caKeys,
    notBefore: now,
    notAfter: daysAfter(now, 3650),
    signingAlgorithm: SIGNING_ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign,
        true,
      ),
      // Key identifiers let a client find which CA signed a certificate without trying them all.
      await x509.SubjectKeyIdentifierExtension.create(caKeys.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(caKeys.publicKey),
    ],
  });

  // 2. The server: its own key pair, and a certificate the CA signs. Clients check the name
  //    they connected to against subjectAltName, so every name and address is listed there.
  //    825 days is the longest validity Apple's systems accept for a server certificate.
  const serverKeys = await newKeyPair();
  const server = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerialNumber(),
    subject: [{ CN: [hosts[0] ?? 'localhost'] }],
    issuer: ca.subjectName,
    publicKey: serverKeys.publicKey,
    signingKey: caKeys.privateKey,
    notBefore: now,
    notAfter: daysAfter(now, 825),
    signingAlgorithm: SIGNING_ALGORITHM,
    extensions: [
      new x509.SubjectAlternativeNameExtension(
        hosts.map((host) => ({ type: isIP(host) ? 'ip' : 'dns', value: host })),
      ),
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      await x509.SubjectKeyIdentifierExtension.create(serverKeys.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(caKeys.publicKey),
    ],
  });

  await mkdir(dir, { recursive: true });
  const files = {
    ca: join(dir, 'ca.pem'),
    caKey: join(dir, 'ca-key.pem'),
    cert: join(dir, 'server.pem'),
    key: join(dir, 'server-key.pem'),
  };
  // Certificates are public; private keys are readable by their owner only.
  await writeFile(files.ca, ca.toString('pem'));
  await writeFile(files.caKey, privateKeyPem(caKeys.privateKey), { mode: 0o600 });
  await writeFile(files.cert, server.toString('pem'));
  await writeFile(files.key, privateKeyPem(serverKeys.privateKey), { mode: 0o600 });
  return files;
}

/**
 * @peculiar/x509, loaded on first use: loading it takes a noticeable moment (about 0.4 s), and
 * every test file that uses the test kit imports this file, while only the TLS tests and
 * `pnpm certs` make certificates.
 */
async function loadX509(): Promise<typeof X509> {
  // The library finds its parts through tsyringe, which needs the Reflect metadata API: loaded
  // first, it adds that API to the global `Reflect`.
  await import('reflect-metadata');
  const x509 = await import('@peculiar/x509');
  // The library signs with whatever WebCrypto it is given: Node's.
  x509.cryptoProvider.set(webcrypto);
  return x509;
}

function newKeyPair(): Promise<webcrypto.CryptoKeyPair> {
  // Extractable (true): the private key is written to a file afterwards.
  return webcrypto.subtle.generateKey(KEY_ALGORITHM, true, ['sign', 'verify']);
}

/** A private key as PEM, in the PKCS#8 layout ("BEGIN PRIVATE KEY") that `node:tls` reads. */
function privateKeyPem(key: webcrypto.CryptoKey): string {
  return KeyObject.from(key).export({ type: 'pkcs8', format: 'pem' }).toString();
}

/**
 * 16 random bytes. A CA must never give two certificates the same serial number, and a random
 * one needs no record of the last. The top bit is cleared because serial numbers are positive.
 */
function randomSerialNumber(): string {
  const bytes = randomBytes(16);
  bytes.writeUInt8(bytes.readUInt8(0) & 0x7f, 0);
  return bytes.toString('hex');
}

function daysAfter(date: Date, days: number): Date {
  return new Date(date.getTime() + days * 24 * 60 * 60 * 1000);
}
