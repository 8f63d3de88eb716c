import { type ServerOptions, serverDefaults } from '../src/options.ts';
import { LineWatcher } from './lines.ts';

/**
 * Options for a server started inside a test: a free port, and a log the test can read
 * (`options.output.waitFor(/disconnected/)`).
 */
export function testServerOptions(
  overrides: Partial<ServerOptions> = {},
): ServerOptions & { output: LineWatcher } {
  const output = new LineWatcher();
  return { ...serverDefaults('test-server', 0), log: output.push, ...overrides, output };
}
