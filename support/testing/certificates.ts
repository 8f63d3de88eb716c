import { mkdtempSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type CertificateFiles, createCertificates } from '../src/certificates.ts';
import type { TlsFiles } from '../src/tls.ts';

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

/** The folder of the certificates made so far, and the certificates (being) made in it. */
let made: { dir: string; certificates: Promise<TestCertificates> } | undefined;

/**
 * Throwaway certificates, made once per test process in a temporary folder. Whoever calls this
 * also registers `afterAll(removeTestCertificates)`, so that the folder does not outlive the tests.
 */
export function testCertificates(): Promise<TestCertificates> {
  if (!made) {
    const dir = mkdtempSync(join(tmpdir(), 'websocket-test-certs-'));
    made = { dir, certificates: makeAll(dir) };
  }
  return made.certificates;
}

/** Deletes the folder of `testCertificates()`; a later call makes new ones. */
export async function removeTestCertificates(): Promise<void> {
  if (!made) return;
  const { dir, certificates } = made;
  made = undefined;
  // Let a making still under way finish (or fail) before its folder goes.
  await certificates.catch(() => {});
  await rm(dir, { recursive: true, force: true });
}

async function makeAll(dir: string): Promise<TestCertificates> {
  const make = async (name: string, hosts?: string[]): Promise<TestCertificate> => {
    const files = await createCertificates(join(dir, name), { hosts, caName: `test CA ${name}` });
    return {
      files,
      ca: await readFile(files.ca),
      tls: { cert: await readFile(files.cert), key: await readFile(files.key) },
    };
  };
  return {
    trusted: await make('trusted'),
    untrusted: await make('untrusted'),
    wrongHost: await make('wrong-host', ['example.test']),
  };
}
