import { DEFAULT_HANDSHAKE_TIMEOUT, type ServerOptions } from '../src/options.ts';
import { LineWatcher } from './lines.ts';

/**
 * Options for a server started inside a test: a free port, and a log the test can read
 * (`options.output.waitFor(/disconnected/)`). The heartbeat and the size limit are the tests'
 * own, not an exercise's dials (those are its defaults, which its program tests run with): a
 * heartbeat that never comes within a test unless the test asks for one, and a size limit above
 * any message a test sends unless it asks for a smaller one.
 */
export function testServerOptions(
  overrides: Partial<ServerOptions> = {},
): ServerOptions & { output: LineWatcher } {
  const output = new LineWatcher();
  return {
    name: 'test-server',
    port: 0,
    host: undefined,
    quiet: false,
    trace: false,
    inspector: true,
    maxPayload: 64 * 1024 * 1024,
    heartbeatInterval: 60_000,
    handshakeTimeout: DEFAULT_HANDSHAKE_TIMEOUT,
    allowedOrigins: undefined,
    tls: undefined,
    log: output.push,
    ...overrides,
    output,
  };
}
