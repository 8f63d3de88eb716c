import { fileURLToPath } from 'node:url';
import { encodeFrame, Opcode } from 'shared';
import { spawnProgram } from 'support/testing';
import { describe, expect, it } from 'vitest';
import { barChart, lineChart } from '../src/chart.ts';
import { FrameCounter } from '../src/frame-counter.ts';
import type { HandshakeResult } from '../src/handshakes.ts';
import type { LoadResult } from '../src/load.ts';
import { SERVERS, startServer } from '../src/servers.ts';
import { percentile, spread } from '../src/stats.ts';

const benchDir = fileURLToPath(new URL('..', import.meta.url));

describe('FrameCounter', () => {
  const frames = [0, 5, 125, 126, 70_000].map((size) =>
    encodeFrame({ opcode: Opcode.Binary, payload: Buffer.alloc(size, 1) }),
  );
  const stream = Buffer.concat([
    ...frames,
    encodeFrame({ opcode: Opcode.Binary, payload: Buffer.alloc(3), mask: true }),
  ]);

  it('counts frames of every length form, masked or not, arriving whole', () => {
    expect(new FrameCounter().push(stream)).toBe(6);
  });

  it('counts the same frames cut at every position into two chunks', () => {
    for (let cut = 0; cut <= stream.length; cut += 97) {
      const counter = new FrameCounter();
      expect(counter.push(stream.subarray(0, cut)) + counter.push(stream.subarray(cut))).toBe(6);
    }
  });
});

describe('statistics', () => {
  it('takes percentiles by nearest rank, and the spread of rounds', () => {
    expect(percentile([1, 2, 3, 4], 0.5)).toBe(2);
    expect(percentile([1, 2, 3, 4], 0.99)).toBe(4);
    expect(spread([3, 1, 2])).toEqual({ median: 2, min: 1, max: 3 });
  });
});

describe('the load generator', () => {
  it.each(['ws', 'native-server', 'hello-server', 'tcp-echo'])(
    'gets echoes back from %s and times them',
    async (name) => {
      const server = SERVERS.find((candidate) => candidate.name === name);
      if (!server) throw new Error(`no server ${name}`);
      const running = await startServer(server);
      try {
        const config = {
          port: running.port,
          connections: 2,
          window: 2,
          size: 100,
          warmupMs: 50,
          durationMs: 200,
          websocket: server.websocket,
          skipFirst: server.greets,
        };
        const load = spawnProgram(benchDir, [JSON.stringify(config)], {}, 'src/load.ts');
        expect((await load.exited).code).toBe(0);
        const result = JSON.parse(load.output.lines.at(-1) ?? '{}') as LoadResult;
        expect(result.messages).toBeGreaterThan(0);
        expect(result.p50).toBeGreaterThan(0);
        expect(result.p99).toBeGreaterThanOrEqual(result.p50);
      } finally {
        await running.stop();
      }
    },
    // Two programs start here (the server and the load generator), each compiled by tsx: on a
    // machine busy running every package's tests at once, that alone can take half a minute.
    90_000,
  );
});

describe('the ws rows', () => {
  it.each([
    ['ws', 'bufferutil: off'],
    ['ws + bufferutil', 'bufferutil: native add-on loaded'],
  ])(
    '%s says whether bufferutil masks for it',
    async (name, state) => {
      const server = SERVERS.find((candidate) => candidate.name === name);
      if (!server) throw new Error(`no server ${name}`);
      const running = await startServer(server);
      try {
        expect(running.startLine).toContain(`(${state})`);
      } finally {
        await running.stop();
      }
    },
    60_000,
  );

  it("leaves bufferutil out of the exercises' ws", async () => {
    const { createRequire } = await import('node:module');
    const exercise = new URL('../../exercises/part2/12-websocket-echo-server/', import.meta.url);
    const wsOfExercise = createRequire(exercise).resolve('ws');
    expect(() => createRequire(wsOfExercise).resolve('bufferutil')).toThrow();
  });
});

describe('the handshake and idle programs', () => {
  it('count handshakes, and hold idle connections while the server measures them', async () => {
    const server = SERVERS.find((candidate) => candidate.name === 'native-server');
    if (!server) throw new Error('no native-server');
    const running = await startServer(server);
    try {
      const config = { port: running.port, concurrency: 4, warmupMs: 50, durationMs: 300 };
      const handshakes = spawnProgram(benchDir, [JSON.stringify(config)], {}, 'src/handshakes.ts');
      expect((await handshakes.exited).code).toBe(0);
      const result = JSON.parse(handshakes.output.lines.at(-1) ?? '{}') as HandshakeResult;
      expect(result.handshakes).toBeGreaterThan(0);

      const idle = spawnProgram(benchDir, [String(running.port)], {}, 'src/idle.ts');
      const opened = idle.output.next(/^open 50$/);
      idle.child.stdin?.write('open 50\n');
      await opened;
      expect((await running.memory()).rss).toBeGreaterThan(0);
      idle.child.stdin?.end();
      expect((await idle.exited).code).toBe(0);
    } finally {
      await running.stop();
    }
  }, 90_000);
});

describe('charts', () => {
  const series = [
    { name: 'a', values: [1, 2] },
    { name: 'b', values: [3, Number.NaN] },
  ];
  const said = 'a: x 1u, y 2u; b: x 3u, y not measured';

  it('draw a bar for every value measured, and say every value in their title', () => {
    const svg = barChart('T', ['x', 'y'], series, 'u');
    expect(svg).toContain(said);
    // Three bars, and a square for each series in the legend.
    expect(svg.match(/<rect x=/g)).toHaveLength(3 + series.length);
  });

  it('draw a point for every value measured, and say every value in their title', () => {
    const svg = lineChart('T', ['x', 'y'], series, 'u');
    expect(svg).toContain(said);
    expect(svg.match(/<circle /g)).toHaveLength(3);
  });
});
