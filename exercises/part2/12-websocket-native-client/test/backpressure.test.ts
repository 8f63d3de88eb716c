/**
 * A server that never reads: what the client holds stays bounded. Every ping asks for a pong and
 * every line of input is a message; once WRITE_BUFFER_LIMIT bytes wait to be sent, the client
 * stops reading both until they are written.
 */
import type { Writable } from 'node:stream';
import { acceptResponse, encodeFrame, Opcode } from 'shared';
import { MEMORY_PROBE_OPTIONS, memoryOf, spawnProgram } from 'support/testing';
import { describe, expect, it } from 'vitest';
import { WRITE_BUFFER_LIMIT } from '../src/client.ts';
import {
  type ClientSide,
  cleanUpAfterEachTest,
  packageDir,
  rawServer,
  scripted,
  startClient,
} from './helpers.ts';

cleanUpAfterEachTest();

const MiB = 1024 * 1024;

/** What a flood sends in all: far more than the client may hold, in a second or two of loopback. */
const FLOOD_BYTES = 48 * MiB;

/**
 * There is no event for "the peer has stopped reading": a write that waits this long for 'drain'
 * means it has. (A client that reads drains a loopback socket within milliseconds.)
 */
const STALL_MS = 1000;

/**
 * Writes `unit` again and again, about 64 KiB at a time, as fast as `stream` takes it, up to
 * FLOOD_BYTES. Resolves with how many bytes it wrote, and whether it stopped because the reader
 * had stopped taking them (`stalled`) rather than because all were written.
 */
async function flood(stream: Writable, unit: Buffer): Promise<{ sent: number; stalled: boolean }> {
  const batch = Buffer.concat(Array(Math.ceil((64 * 1024) / unit.length)).fill(unit));
  let sent = 0;
  while (sent < FLOOD_BYTES) {
    sent += batch.length;
    if (stream.write(batch)) continue;
    const drained = await new Promise<boolean>((resolve) => {
      const onDrain = () => {
        clearTimeout(timer);
        resolve(true);
      };
      const timer = setTimeout(() => {
        stream.off('drain', onDrain);
        resolve(false);
      }, STALL_MS);
      stream.once('drain', onDrain);
    });
    if (!drained) return { sent, stalled: true };
  }
  return { sent, stalled: false };
}

/**
 * The client as a program, with the memory probe, against a server that answers the handshake
 * and then never reads a byte. `flooding` runs once the client is connected; the result is how
 * many bytes of ArrayBuffers (where Buffers live) the client holds afterwards, beyond what it
 * held when it had just connected.
 */
async function heldAfter(
  flooding: (server: Writable, stdin: Writable) => Promise<unknown>,
): Promise<number> {
  let server: Writable | undefined;
  const url = await scripted((socket, key) => {
    socket.pause(); // never read: the pongs and messages stay with the client (or the kernel)
    socket.write(acceptResponse(key));
    server = socket;
  });
  const program = spawnProgram(packageDir, [url], { NODE_OPTIONS: MEMORY_PROBE_OPTIONS });
  program.child.stdin?.on('error', () => {}); // lines still on their way when the test ends it
  try {
    await program.output.waitFor(/^Connected!/);
    const before = (await memoryOf(program)).arrayBuffers;
    if (!server || !program.child.stdin) throw new Error('not connected');
    await flooding(server, program.child.stdin);
    return (await memoryOf(program)).arrayBuffers - before;
  } finally {
    program.child.kill('SIGKILL');
    await program.exited;
  }
}

// What the client may hold: the limit, plus what it makes of the one chunk it was reading when it
// stopped (64 KiB of pings or lines makes about 70 KB of pongs or frames), plus the socket's and
// the input's own read buffers: 512 KiB for those, with room. And twice all that: Node hands out
// small Buffers from shared 8 KiB slabs, and a frame waiting to be sent keeps its whole slab
// alive, with the garbage made next to it (for a line, the copy of its text the frame was made
// from). 100-byte lines held 2.1 times the bytes counted; pongs, 1.2 times.
const BOUND = 2 * (WRITE_BUFFER_LIMIT + 512 * 1024);

describe('a server that never reads', () => {
  it('and sends 125-byte pings as fast as it can: the client holds a bounded amount', async () => {
    const ping = encodeFrame({ opcode: Opcode.Ping, payload: Buffer.alloc(125, 0x70) });
    // Without backpressure the client read all 48 MiB and held a pong for each ping.
    const held = await heldAfter((server) => flood(server, ping));
    expect(held).toBeLessThanOrEqual(BOUND);
  });

  it('while a large file is piped in: the client holds a bounded amount', async () => {
    const line = Buffer.from(`${'x'.repeat(99)}\n`); // 100 bytes a line
    const held = await heldAfter((_server, stdin) => flood(stdin, line));
    expect(held).toBeLessThanOrEqual(BOUND);
  });
});

describe('once the server reads again', () => {
  it('every ping gets its pong, and a line typed meanwhile goes out', async () => {
    let connected: (server: ClientSide) => void = () => {};
    const server = new Promise<ClientSide>((resolve) => {
      connected = resolve;
    });
    const url = await rawServer((side) => {
      side.socket.pause(); // deaf, for now
      connected(side);
    });
    const client = startClient(url);
    const side = await server;
    await client.output.waitFor(/^Connected!/);
    // Pings until the client stops reading them: the kernel's buffers are full of pongs, and
    // more than the limit waits in the client.
    const ping = encodeFrame({ opcode: Opcode.Ping, payload: Buffer.alloc(125, 0x70) });
    const { sent, stalled } = await flood(side.socket, ping);
    expect(stalled).toBe(true);
    client.type('typed while the server was deaf');
    side.socket.resume();
    // Everything comes: a pong for every ping, and the line.
    const pings = sent / ping.length;
    let pongs = 0;
    let text: string | undefined;
    while (pongs < pings || text === undefined) {
      const event = await side.next();
      if (event?.type === 'pong') pongs += 1;
      else if (event?.type === 'text') text = event.data.toString();
      else throw new Error(`unexpected ${event?.type ?? 'end of the connection'}`);
    }
    expect(pongs).toBe(pings);
    expect(text).toBe('typed while the server was deaf');
  });
});
