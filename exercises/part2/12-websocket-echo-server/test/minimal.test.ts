import { fileURLToPath } from 'node:url';
import { openWebSocket, type Program, RawClient, roundTrip, spawnProgram } from 'support/testing';
import { afterEach, expect, it } from 'vitest';

const packageDir = fileURLToPath(new URL('..', import.meta.url));

let program: Program | undefined;
afterEach(async () => {
  program?.child.kill();
  await program?.exited;
  program = undefined;
});

/** src/minimal.ts as its own process on a free port, and the URL it prints. */
async function startMinimal(): Promise<string> {
  program = spawnProgram(packageDir, [], { PORT: '0' }, 'src/minimal.ts');
  const line = await program.output.waitFor(/^echo-server \(minimal\) listening on /);
  const url = /(ws:\/\/localhost:\d+\/ws)$/.exec(line)?.[1];
  expect(url, line).toBeDefined();
  return url ?? '';
}

it('the minimal version echoes text as text and binary as binary', async () => {
  const ws = await openWebSocket(await startMinimal());
  const text = await roundTrip(ws, 'héllo ✓', false);
  expect([text.isBinary, text.data.toString()]).toEqual([false, 'héllo ✓']);
  const bytes = Buffer.from([0, 1, 2, 254, 255]);
  const binary = await roundTrip(ws, bytes, true);
  expect(binary.isBinary).toBe(true);
  expect(binary.data.equals(bytes)).toBe(true);
  ws.close();
});

it('the minimal version closes a client that breaks a rule, and serves the others on', async () => {
  const url = await startMinimal();
  const healthy = await openWebSocket(url);
  const raw = await RawClient.connect(Number(new URL(url).port), 'localhost');
  // An unmasked frame from a client breaks RFC 6455 §5.1: ws closes that connection with 1002
  // and reports an 'error' on it, which the minimal version listens for and prints.
  raw.write([0x81, 0x02, 0x68, 0x69]);
  expect((await raw.nextClose()).code).toBe(1002);
  await program?.output.waitFor(/^error: Invalid WebSocket frame: MASK must be set$/);
  expect((await roundTrip(healthy, 'still here', false)).data.toString()).toBe('still here');
  healthy.close();
});
