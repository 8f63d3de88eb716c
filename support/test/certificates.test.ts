import { createPrivateKey, X509Certificate } from 'node:crypto';
import { once } from 'node:events';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { createServer, get, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type CertificateFiles, createCertificates } from '../src/certificates.ts';

const DAY = 24 * 60 * 60 * 1000;

// The certificates are made by our code (through @peculiar/x509) and checked by Node's own
// reading of them (X509Certificate) and by Node's TLS, which is what the servers use.
describe('createCertificates', () => {
  let dir: string | undefined;
  let files: CertificateFiles;
  let ca: X509Certificate;
  let server: X509Certificate;
  let startedAt: number;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'websocket-certificates-test-'));
    // X.509 times have no milliseconds: the certificates may say a moment before this.
    startedAt = Math.floor(Date.now() / 1000) * 1000;
    files = await createCertificates(join(dir, 'certs'));
    ca = new X509Certificate(await readFile(files.ca));
    server = new X509Certificate(await readFile(files.cert));
  });
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('writes the four PEM files, the keys as PKCS#8 readable by their owner only', async () => {
    const certs = join(dir ?? '', 'certs');
    expect(files).toEqual({
      ca: join(certs, 'ca.pem'),
      caKey: join(certs, 'ca-key.pem'),
      cert: join(certs, 'server.pem'),
      key: join(certs, 'server-key.pem'),
    });
    for (const key of [files.caKey, files.key]) {
      const pem = await readFile(key, 'utf8');
      expect(pem).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
      const { asymmetricKeyType, asymmetricKeyDetails } = createPrivateKey(pem);
      expect(asymmetricKeyType).toBe('ec');
      expect(asymmetricKeyDetails?.namedCurve).toBe('prime256v1'); // OpenSSL's name for P-256
      // Windows has no such permission bits.
      if (process.platform !== 'win32') expect((await stat(key)).mode & 0o777).toBe(0o600);
    }
    expect(ca.checkPrivateKey(createPrivateKey(await readFile(files.caKey)))).toBe(true);
    expect(server.checkPrivateKey(createPrivateKey(await readFile(files.key)))).toBe(true);
  });

  it('makes a self-signed CA, valid for ten years', () => {
    expect(ca.ca).toBe(true);
    expect(ca.subject).toBe('CN=WebSockets lesson development CA');
    expect(ca.issuer).toBe(ca.subject);
    expect(ca.verify(ca.publicKey)).toBe(true);
    expect(ca.publicKey.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    expectValidity(ca, 3650, startedAt);
  });

  it('makes a server certificate the CA signed, for localhost, 127.0.0.1 and ::1', () => {
    expect(server.ca).toBe(false);
    expect(server.subject).toBe('CN=localhost');
    expect(server.issuer).toBe(ca.subject);
    expect(server.checkIssued(ca)).toBe(true);
    expect(server.verify(ca.publicKey)).toBe(true);
    expect(server.subjectAltName).toBe(
      'DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1',
    );
    expect(server.checkHost('localhost')).toBe('localhost');
    expect(server.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(server.checkIP('::1')).toBe('::1');
    expect(server.checkHost('example.test')).toBeUndefined();
    // Node calls the extended key usage "keyUsage": 1.3.6.1.5.5.7.3.1 is serverAuth.
    expect(server.keyUsage).toEqual(['1.3.6.1.5.5.7.3.1']);
    expectValidity(server, 825, startedAt);
  });

  it('gives every certificate its own random, positive serial number', async () => {
    const again = await createCertificates(join(dir ?? '', 'again'));
    const serials = [ca, server, new X509Certificate(await readFile(again.cert))].map(
      (certificate) => certificate.serialNumber,
    );
    for (const serial of serials) {
      // Node prints the number in hexadecimal; a negative one would start with "-".
      expect(serial).toMatch(/^[0-9A-F]+$/);
      expect(BigInt(`0x${serial}`)).toBeGreaterThan(0n);
    }
    expect(new Set(serials).size).toBe(serials.length);
  });

  it('names the hosts and the CA it is given', async () => {
    const other = await createCertificates(join(dir ?? '', 'other'), {
      hosts: ['example.test', '192.0.2.1'],
      caName: 'Another CA',
    });
    const otherServer = new X509Certificate(await readFile(other.cert));
    expect(otherServer.subject).toBe('CN=example.test');
    expect(otherServer.issuer).toBe('CN=Another CA');
    expect(otherServer.subjectAltName).toBe('DNS:example.test, IP Address:192.0.2.1');
  });

  describe('with Node TLS', () => {
    let https: Server | undefined;
    afterEach(() => {
      https?.close();
      https = undefined;
    });

    async function serve(certificate: CertificateFiles): Promise<number> {
      const tls = { cert: await readFile(certificate.cert), key: await readFile(certificate.key) };
      https = createServer(tls, (_request, response) => response.end('over TLS'));
      https.listen(0, '127.0.0.1');
      await once(https, 'listening');
      return (https.address() as AddressInfo).port;
    }

    it('a client that trusts the CA connects, by name and by address', async () => {
      const port = await serve(files);
      const ca = await readFile(files.ca);
      expect(await httpsGet(port, { ca, servername: 'localhost' })).toBe('over TLS');
      expect(await httpsGet(port, { ca })).toBe('over TLS');
    });

    it('a client that does not trust the CA is refused', async () => {
      const port = await serve(files);
      await expect(httpsGet(port, { servername: 'localhost' })).rejects.toMatchObject({
        code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
      });
    });

    it('a certificate for example.test is refused for localhost, even from a trusted CA', async () => {
      const other = await createCertificates(join(dir ?? '', 'example-test'), {
        hosts: ['example.test'],
      });
      const port = await serve(other);
      const ca = await readFile(other.ca);
      await expect(httpsGet(port, { ca, servername: 'localhost' })).rejects.toMatchObject({
        code: 'ERR_TLS_CERT_ALTNAME_INVALID',
      });
      expect(await httpsGet(port, { ca, servername: 'example.test' })).toBe('over TLS');
    });
  });
});

/** Valid from when it was made (after `madeAfter`, before now), for `days` days. */
function expectValidity(certificate: X509Certificate, days: number, madeAfter: number): void {
  const from = Date.parse(certificate.validFrom);
  expect(from).toBeGreaterThanOrEqual(madeAfter);
  expect(from).toBeLessThanOrEqual(Date.now());
  expect(Date.parse(certificate.validTo) - from).toBe(days * DAY);
}

/** An https GET of / on 127.0.0.1, checking the certificate for `servername` (or 127.0.0.1). */
function httpsGet(port: number, options: { ca?: Buffer; servername?: string }): Promise<string> {
  return new Promise((resolve, reject) => {
    // agent: false: a connection of its own, closed after the answer, with these options.
    get({ host: '127.0.0.1', port, path: '/', agent: false, ...options }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        body += chunk;
      });
      response.on('end', () => resolve(body));
    }).on('error', reject);
  });
}
