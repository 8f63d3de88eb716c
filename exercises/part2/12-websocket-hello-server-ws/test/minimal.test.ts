import { fileURLToPath } from 'node:url';
import { inboxOf, openWebSocket, roundTrip, spawnProgram } from 'support/testing';
import { expect, it } from 'vitest';

const packageDir = fileURLToPath(new URL('..', import.meta.url));

it('the minimal version greets first, then echoes text as text and binary as binary', async () => {
  const program = spawnProgram(packageDir, [], { PORT: '0' }, 'src/minimal.ts');
  try {
    const line = await program.output.waitFor(/^hello-server-ws \(minimal\) listening on /);
    const url = /(ws:\/\/localhost:\d+\/ws)$/.exec(line)?.[1];
    expect(url, line).toBeDefined();
    const ws = await openWebSocket(url ?? '');
    // It listens on the one address localhost resolves to: 127.0.0.1 or ::1.
    const greeting = await inboxOf(ws).next();
    expect(greeting.isBinary).toBe(false);
    expect(greeting.data.toString()).toMatch(/^Hello! Your IP is (127\.0\.0\.1|::1)$/);
    const text = await roundTrip(ws, 'héllo ✓', false);
    expect([text.isBinary, text.data.toString()]).toEqual([false, 'héllo ✓']);
    const bytes = Buffer.from([0, 1, 2, 254, 255]);
    const binary = await roundTrip(ws, bytes, true);
    expect(binary.isBinary).toBe(true);
    expect(binary.data.equals(bytes)).toBe(true);
    ws.close();
  } finally {
    program.child.kill();
    await program.exited;
  }
});
