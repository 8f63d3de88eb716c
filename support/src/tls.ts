import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { rootCertificates } from 'node:tls';
import { ExpectedError } from './errors.ts';

/** A server's certificate and private key, for wss:// (and https:// for the page). */
export interface TlsFiles {
  cert: Buffer;
  key: Buffer;
}

/** Reads `--tls-cert` and `--tls-key` (or TLS_CERT and TLS_KEY): both, or neither. */
export function readTlsFiles(
  cert: string | undefined,
  key: string | undefined,
): TlsFiles | undefined {
  if (!cert && !key) return undefined;
  if (!cert || !key) {
    throw new ExpectedError('wss needs both --tls-cert and --tls-key (TLS_CERT and TLS_KEY)', 2);
  }
  return { cert: readFile(cert, 'TLS certificate'), key: readFile(key, 'TLS key') };
}

/**
 * Reads a PEM file a person named on the command line; a mistake is one line, exit code 2.
 * A relative path is relative to where the command was typed: `pnpm --filter ... start` runs the
 * program inside the exercise's folder, but says in INIT_CWD where it was started.
 */
export function readFile(path: string, what: string): Buffer {
  try {
    return readFileSync(resolve(process.env.INIT_CWD ?? process.cwd(), path));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code;
    throw new ExpectedError(`cannot read the ${what} ${path}: ${why}`, 2);
  }
}

/**
 * Why a TLS client refused the server's certificate, in words, or undefined for errors of
 * another kind. The system names them with codes such as DEPTH_ZERO_SELF_SIGNED_CERT.
 */
const certificateProblems: Record<string, string> = {
  DEPTH_ZERO_SELF_SIGNED_CERT: 'it is self-signed; trust it with --ca FILE',
  SELF_SIGNED_CERT_IN_CHAIN:
    'it is signed by a CA this client does not know; trust it with --ca FILE',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    'it is signed by a CA this client does not know; trust it with --ca FILE',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE:
    'it is signed by a CA this client does not know; trust it with --ca FILE',
  CERT_SIGNATURE_FAILURE: 'its signature does not match the CA',
  CERT_HAS_EXPIRED: 'it has expired',
  CERT_NOT_YET_VALID: 'it is not valid yet (is the clock right?)',
  ERR_TLS_CERT_ALTNAME_INVALID: 'it is for another host',
};

export function describeCertificateError(error: Error): string | undefined {
  const code = (error as NodeJS.ErrnoException).code;
  const problem = code === undefined ? undefined : certificateProblems[code];
  if (problem === undefined) return undefined;
  // Node's message for a wrong host names the host and the certificate's names: keep it.
  return code === 'ERR_TLS_CERT_ALTNAME_INVALID' ? `${problem} (${error.message})` : problem;
}

/** The clients' wss options, for their option tables (options.ts): `--ca FILE` and `--insecure`. */
export const TLS_CLIENT_OPTIONS = {
  ca: {
    value: 'FILE',
    help: 'wss: also trust the CA in FILE (a private one, such as `pnpm certs` makes)',
  },
  insecure: { help: 'wss: do not check the server certificate at all (prints a warning)' },
} as const;

/** What a client trusts for wss://. */
export interface TlsTrust {
  /** A CA to trust besides the usual ones (a private one, such as `pnpm certs` makes). */
  ca: Buffer | undefined;
  /** Skip the certificate check entirely (a warning is printed). */
  insecure: boolean;
}

export function readTlsTrust(values: {
  ca?: string | undefined;
  insecure?: boolean | undefined;
}): TlsTrust {
  return {
    ca: values.ca === undefined ? undefined : readFile(values.ca, 'CA certificate'),
    insecure: values.insecure === true,
  };
}

/**
 * The CAs a client trusts: Node's usual ones (`tls.rootCertificates`), plus the one from `--ca`.
 * Undefined leaves Node's default alone.
 */
export function trustedCertificates(trust: TlsTrust): string[] | undefined {
  return trust.ca ? [...rootCertificates, trust.ca.toString()] : undefined;
}

/** What a client prints when told to skip the certificate check. */
export const INSECURE_WARNING =
  'warning: --insecure: the server certificate is not checked; anyone on the way can read and change this connection';
