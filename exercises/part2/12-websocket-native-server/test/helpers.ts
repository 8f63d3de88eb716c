/**
 * What the native-server tests share: a server per test (closed after it), raw clients that are
 * cut after the test, frames with any header (`rawFrame`), and the checks most tests end with.
 */
import { fileURLToPath } from 'node:url';
import { encodeFrame } from 'shared';
import {
  type RawFrameFields,
  rawClosePayload,
  rawFrame as rawFrameWithAnyMask,
} from 'shared/testing';
import {
  openWebSocket,
  RawClient,
  roundTrip,
  testServerOptions,
  whenClosed,
} from 'support/testing';
import { afterEach, expect } from 'vitest';
import {
  createNativeServer,
  HEARTBEAT_INTERVAL_MS,
  MAX_PAYLOAD,
  type NativeServer,
} from '../src/server.ts';

/** This package's directory, where `src/main.ts` is: for the tests that run the program. */
export const packageDir = fileURLToPath(new URL('..', import.meta.url));

/** A connection made by `openWebSocket` (a `ws` client). */
export type WsClient = Awaited<ReturnType<typeof openWebSocket>>;

/**
 * Call once at the top of a test file. Returns `start(options)`, which starts a server for the
 * current test. After each test, the raw clients it opened are cut and the server is closed.
 */
export function serverPerTest() {
  let server: NativeServer | undefined;
  const rawClients: RawClient[] = [];

  afterEach(async () => {
    // A raw client never answers the server's 1001: cut it, or close() would wait its grace period.
    for (const client of rawClients.splice(0)) client.socket.destroy();
    await server?.close();
    server = undefined;
  });

  return async function start(overrides: Parameters<typeof testServerOptions>[0] = {}) {
    // The server's own dials, as its program has them, unless the test says otherwise.
    const dials = { heartbeatInterval: HEARTBEAT_INTERVAL_MS, maxPayload: MAX_PAYLOAD };
    const options = testServerOptions({ ...dials, ...overrides });
    const started = await createNativeServer(options);
    server = started;
    return {
      server: started,
      /** The server's log, line by line: `output.waitFor(/regex/)`, `output.lines`. */
      output: options.output,
      /** A client on a bare TCP socket, past the opening handshake; cut after the test. */
      async rawClient(): Promise<RawClient> {
        const client = await RawClient.connect(started.port);
        rawClients.push(client);
        return client;
      },
    };
  };
}

/** After a refusal or a failed connection, a fresh client still gets its echo. */
export async function expectStillServing(
  server: { url: string },
  wsOptions: Parameters<typeof openWebSocket>[1] = {},
): Promise<void> {
  const ws = await openWebSocket(server.url, wsOptions);
  const echo = await roundTrip(ws, 'still serving', false);
  expect(echo.data.toString()).toBe('still serving');
  const closed = whenClosed(ws);
  ws.close();
  await closed;
}

/**
 * The next thing the server sends is a close frame with `code`, nothing follows it, and the server
 * ends the TCP connection (RFC 6455 §7.1.1: the server closes TCP first).
 */
export async function expectCloseThenEnd(client: RawClient, code: number): Promise<void> {
  expect(await client.next()).toMatchObject({ type: 'close', code });
  expect(await client.next()).toBeUndefined();
  await client.closed;
}

/**
 * The masking key of every frame these tests build. RFC 6455 §5.3 wants a fresh random key per
 * frame so a page cannot predict the bytes on the wire; a server must accept any key, and a fixed
 * one makes the bytes of a test the same on every run. (This is the key of the §5.7 examples.)
 */
export const MASK_KEY = Buffer.from([0x37, 0xfa, 0x21, 0x3d]);

/** A well-formed client frame (masked, as every client frame must be - §5.1), built by `shared`. */
export function clientFrame(opcode: number, payload: Buffer | string = '', fin = true): Buffer {
  return encodeFrame({ opcode, payload: Buffer.from(payload), fin, maskKey: MASK_KEY });
}

/**
 * A client frame with any header, including those `encodeFrame` refuses to build: RSV bits set,
 * reserved opcodes, control frames over 125 bytes or with FIN=0, lengths far beyond any limit.
 * Always masked with MASK_KEY; see `rawFrame` in shared/testing for the layout.
 */
export function rawFrame(frame: Omit<RawFrameFields, 'maskKey'>): Buffer {
  return rawFrameWithAnyMask({ ...frame, maskKey: MASK_KEY });
}

/** The payload of a close frame with any status code, even one that may not be sent (§7.4). */
export const closePayload = rawClosePayload;
