import { once } from 'node:events';
import { createServer, get } from 'node:https';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import type { ServerOptions } from '../src/options.ts';
import type { RunningServer } from '../src/server.ts';
import { INSECURE_WARNING, type TlsFiles } from '../src/tls.ts';
import { removeTestCertificates, type TestCertificates, testCertificates } from './certificates.ts';
import { testServerOptions } from './server-options.ts';
import { inboxOf, openWebSocket, roundTrip, whenClosed } from './ws-client.ts';

/**
 * wss:// for a server: with a certificate and key it speaks TLS, on the same port, for the page
 * (https://) and for WebSocket (wss://). The same tests for every server.
 */
export function tlsContract(
  name: string,
  createServer: (options: ServerOptions) => Promise<RunningServer>,
  greets: boolean,
) {
  describe(`${name} over TLS`, () => {
    let server: RunningServer | undefined;
    afterEach(async () => {
      await server?.close();
      server = undefined;
    });
    afterAll(removeTestCertificates);

    async function start() {
      const { trusted } = await testCertificates();
      server = await createServer(testServerOptions({ name, tls: trusted.tls }));
      return { server, ca: trusted.ca };
    }

    it('prints a wss:// URL and echoes over wss', async () => {
      const { server, ca } = await start();
      expect(server.url).toBe(`wss://localhost:${server.port}/ws`);
      const ws = await openWebSocket(server.url, { ca });
      if (greets) expect((await inboxOf(ws).next()).data.toString()).toMatch(/^Hello! Your IP is/);
      expect((await roundTrip(ws, 'over TLS', false)).data.toString()).toBe('over TLS');
      const closed = whenClosed(ws);
      ws.close(1000);
      expect((await closed).code).toBe(1000);
    });

    it('serves the page over https', async () => {
      const { server, ca } = await start();
      const page = await httpsGet(`https://localhost:${server.port}/`, ca);
      expect(page.status).toBe(200);
      expect(page.body).toContain(`WebSocket playground: ${name}`);
    });

    it('speaks only TLS: a plain ws:// client gets no WebSocket', async () => {
      const { server } = await start();
      await expect(openWebSocket(`ws://localhost:${server.port}/ws`)).rejects.toThrow();
    });
  });
}

function httpsGet(url: string, ca: Buffer): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    get(url, { ca }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        body += chunk;
      });
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    }).on('error', reject);
  });
}

/** How a test runs a client program: its URL and extra arguments in, its exit and lines out. */
export type RunClient = (
  url: string,
  args: string[],
) => Promise<{ code: number | null; lines: string[] }>;

/**
 * wss:// for a client: it trusts a private CA given with --ca, refuses a certificate it cannot
 * trust (an unknown CA, another host) in one line with exit code 1, and skips the check only with
 * --insecure, saying so. `run` must send one message and end normally once the echo is back.
 */
export function clientTlsContract(name: string, run: RunClient): void {
  describe(`${name} over TLS`, () => {
    let server: { url: string; close(): void } | undefined;
    afterEach(() => {
      server?.close();
      server = undefined;
    });
    afterAll(removeTestCertificates);

    async function serve(certificate: keyof TestCertificates) {
      const certificates = await testCertificates();
      server = await startTlsEchoServer(certificates[certificate].tls);
      return { url: server.url, certificates };
    }

    it('connects to a server whose CA it was given with --ca', async () => {
      const { url, certificates } = await serve('trusted');
      const { code, lines } = await run(url, ['--ca', certificates.trusted.files.ca]);
      expect(lines.some((line) => line.startsWith('Received: '))).toBe(true);
      expect(code).toBe(0);
    });

    it('refuses a certificate from a CA it does not know, in one line', async () => {
      const { url, certificates } = await serve('untrusted');
      const { code, lines } = await run(url, ['--ca', certificates.trusted.files.ca]);
      expect(lines).toEqual([
        'certificate not trusted: it is signed by a CA this client does not know; trust it with --ca FILE',
      ]);
      expect(code).toBe(1);
    });

    it('refuses a certificate for another host, in one line', async () => {
      const { url, certificates } = await serve('wrongHost');
      const { code, lines } = await run(url, ['--ca', certificates.wrongHost.files.ca]);
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(
        /^certificate not trusted: it is for another host \(.*example\.test/,
      );
      expect(code).toBe(1);
    });

    it('skips the check only with --insecure, and warns', async () => {
      const { url } = await serve('untrusted');
      const { code, lines } = await run(url, ['--insecure']);
      expect(lines).toContain(INSECURE_WARNING);
      expect(lines.some((line) => line.startsWith('Received: '))).toBe(true);
      expect(code).toBe(0);
    });
  });
}

/** An echo server over TLS on 127.0.0.1 and ::1 (`ws` behind `node:https`), for client tests. */
async function startTlsEchoServer(tls: TlsFiles): Promise<{ url: string; close(): void }> {
  const https = createServer(tls);
  const wss = new WebSocketServer({ server: https });
  wss.on('connection', (ws) =>
    ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary })),
  );
  https.listen(0, 'localhost');
  await once(https, 'listening');
  const { port } = https.address() as AddressInfo;
  return {
    url: `wss://localhost:${port}/ws`,
    close() {
      for (const ws of wss.clients) ws.terminate();
      https.close();
    },
  };
}
