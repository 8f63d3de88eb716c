// The newcomer: once a second, a new client tries to connect while the soak runs, and the time
// to its 101 is what a real user would wait. This runs in the soak's main process, which does
// little else, so that its clock is not held up by the load (that runs in other processes).
import { createConnection } from 'node:net';
import { encodeFrame, Opcode, ResponseHeadReader, upgradeRequest } from 'shared';

/** A newcomer that has no 101 after this long counts as not let in. */
export const HANDSHAKE_GIVE_UP_MS = 2000;
/** The target: every newcomer is let in within this long. */
export const HANDSHAKE_TARGET_MS = 1000;

export interface HandshakeSamples {
  /** Time to 101, in ms, of each newcomer that got one. */
  times: number[];
  /** Newcomers that got no 101 within HANDSHAKE_GIVE_UP_MS (or another answer). */
  refused: number;
}

/** Time from connecting to a complete 101 response; undefined if none came in time. */
function timeOneHandshake(port: number): Promise<number | undefined> {
  const start = performance.now();
  const socket = createConnection(port, '127.0.0.1');
  socket.on('error', () => {});
  socket.write(upgradeRequest({ host: `127.0.0.1:${port}`, path: '/ws' }).request);
  const head = new ResponseHeadReader();
  return new Promise((resolve) => {
    const done = (time: number | undefined) => {
      clearTimeout(timer);
      socket.off('data', onData);
      if (time === undefined) socket.destroy();
      else {
        // Leave politely: a close frame (1000, masked as a client must), then the end of TCP.
        const payload = Buffer.from([0x03, 0xe8]);
        socket.end(encodeFrame({ opcode: Opcode.Close, payload, mask: true }));
        socket.resume();
        setTimeout(() => socket.destroy(), HANDSHAKE_GIVE_UP_MS).unref();
      }
      resolve(time);
    };
    const onData = (chunk: Buffer) => {
      const result = head.push(chunk);
      if (result.type === 'incomplete') return;
      done(
        result.type === 'complete' && result.head.status === 101
          ? performance.now() - start
          : undefined,
      );
    };
    const timer = setTimeout(() => done(undefined), HANDSHAKE_GIVE_UP_MS);
    socket.on('data', onData);
    socket.on('close', () => done(undefined));
  });
}

/** Starts a newcomer every second; `stop()` waits for the last one and returns the samples. */
export function sampleHandshakes(port: number): { stop(): Promise<HandshakeSamples> } {
  const samples: HandshakeSamples = { times: [], refused: 0 };
  const pending = new Set<Promise<void>>();
  const startOne = () => {
    const one = timeOneHandshake(port).then((time) => {
      if (time === undefined) samples.refused += 1;
      else samples.times.push(time);
      pending.delete(one);
    });
    pending.add(one);
  };
  const timer = setInterval(startOne, 1000);
  startOne();
  return {
    async stop() {
      clearInterval(timer);
      await Promise.all(pending);
      return samples;
    },
  };
}
