import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type CertificateFiles, createCertificates, type TlsFiles } from '../conventions/index.ts';

export interface TestCertificate {
  files: CertificateFiles;
  /** The CA certificate, for a client's `ca` option. */
  ca: Buffer;
  /** What a server is started with. */
  tls: TlsFiles;
}

export interface TestCertificates {
  /** For localhost, 127.0.0.1 and ::1; clients in the tests trust its CA (`files.ca`). */
  trusted: TestCertificate;
  /** For the same names, from a CA no client is told about. */
  untrusted: TestCertificate;
  /** From its own CA (trust `files.ca` to get past that), but for example.test only. */
  wrongHost: TestCertificate;
}

let made: TestCertificates | undefined;

/** Throwaway certificates, made once per test process in a temporary folder. */
export function testCertificates(): TestCertificates {
  if (made) return made;
  const dir = mkdtempSync(join(tmpdir(), 'websocket-test-certs-'));
  const make = (name: string, hosts?: string[]): TestCertificate => {
    const files = createCertificates(join(dir, name), { hosts, caName: `test CA ${name}` });
    return {
      files,
      ca: readFileSync(files.ca),
      tls: { cert: readFileSync(files.cert), key: readFileSync(files.key) },
    };
  };
  made = {
    trusted: make('trusted'),
    untrusted: make('untrusted'),
    wrongHost: make('wrong-host', ['example.test']),
  };
  return made;
}
