import { encodeFrame, Opcode } from 'shared';
import { expect, it } from 'vitest';
import { MEMORY_PROBE_OPTIONS, memoryOf, startServerProgram } from './program.ts';
import { RawClient } from './raw-client.ts';

const KiB = 1024;
// Every client frame is masked (RFC 6455 §5.1); one fixed key will do.
const KEY = Buffer.from([0x0f, 0x1e, 0x2d, 0x3c]);
const masked = (opcode: number, payload: Buffer) => encodeFrame({ opcode, payload, maskKey: KEY });

/**
 * 64 KiB a write: one 16 KiB message, then unsolicited pongs to fill the rest, which need no
 * answer (RFC 6455 §5.5.3). A server that reads it in one 64 KiB read and echoes the message as
 * a view into that read keeps all 64 KiB alive while it counts 16 KiB waiting to be sent.
 */
function messageAmongPongs(): Buffer {
  const frames = [masked(Opcode.Binary, Buffer.alloc(16 * KiB, 0x61))];
  let left = 64 * KiB - frames[0]!.length;
  while (left > 0) {
    // A masked pong is 6 bytes of header and up to 125 of payload (RFC 6455 §5.5).
    const payload = Math.min(125, left - 6);
    frames.push(masked(Opcode.Pong, Buffer.alloc(payload, 0x70)));
    left -= 6 + payload;
  }
  return Buffer.concat(frames);
}

/**
 * Slack on top of the 1.1x: what a server may write as it is while nothing waits yet (the
 * replies to one 64 KiB read), and a read in flight when reading stopped.
 */
const SLACK = 128 * KiB;

/**
 * Backpressure, as a server's memory sees it: a client that sends and never reads gets its
 * echoes queued until more than the server's write limit waits, then the server stops reading
 * from it (it logs `paused reading from <peer>: <bytes> bytes wait to be sent`). What waits
 * must be what that count says, within 10%: the server's ArrayBuffers after garbage collection
 * (through the memory probe), against the bytes it says wait. The server runs as its own program
 * (`packageDir`'s `src/main.ts`).
 */
export function unreadEchoesContract(name: string, packageDir: string) {
  it(`${name}: holds within 1.1x of what it counts for a client that never reads its echoes`, async () => {
    const program = await startServerProgram(packageDir, [], {
      NODE_OPTIONS: MEMORY_PROBE_OPTIONS,
    });
    let client: RawClient | undefined;
    try {
      client = await RawClient.connect(program.port);
      const socket = client.socket;
      socket.pause(); // never reads: the echoes pile up in the server
      const before = (await memoryOf(program)).arrayBuffers;

      const paused = program.output.waitFor(
        /^paused reading from 127\.0\.0\.1:\d+: \d+ bytes wait to be sent$/,
      );
      let stopped = false;
      const stop = () => {
        stopped = true;
      };
      paused.then(stop, stop);
      const chunk = messageAmongPongs();
      while (!stopped) {
        // One write at a time, the next once the server has logged the message of this one:
        // then each write comes in a read of its own, the message whole in it, whatever the
        // timing. (Without waiting, reads cut the stream where they happen to, and a message
        // cut in two is copied together, which hides what a whole one costs.)
        const logged = program.output.next(/^Received/);
        logged.catch(() => undefined); // the program may end first: `paused` fails the test then
        socket.write(chunk);
        await Promise.race([logged, paused]);
      }
      const counted = Number(/: (\d+) bytes/.exec(await paused)?.[1]);
      const held = (await memoryOf(program)).arrayBuffers - before;

      expect(counted).toBeGreaterThan(0);
      expect(held).toBeLessThanOrEqual(1.1 * counted + SLACK);
    } finally {
      client?.socket.destroy();
      program.child.kill('SIGTERM');
      await program.exited;
    }
  });
}
