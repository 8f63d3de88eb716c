// What `pnpm bench` measures, and how long: the full run, and `--quick`.

/** One message size of the echo measurement, and how much load it gets. */
export interface EchoSize {
  label: string;
  size: number;
  connections: number;
  /** Messages in flight on each connection. */
  window: number;
}

export interface Plan {
  rounds: number;
  warmupMs: number;
  /** Measured time of each echo, scaling and handshake round. */
  measureMs: number;
  sizes: EchoSize[];
  /** Connection counts of the scaling measurement (32 B messages, one in flight on each). */
  scaling: number[];
  /** Idle connection counts at which the servers' memory is read. */
  idle: number[];
  /** Connections being opened at any time in the handshake measurement. */
  handshakeConcurrency: number;
  /** Whether the framing benchmark runs, and docs/benchmarks.md is written. */
  full: boolean;
}

/**
 * Small messages need many in flight to keep a server busy; 1 MiB messages need few (each is
 * 1 MiB of work, and 64 x 16 of them would be a GiB in flight).
 */
const SIZES: EchoSize[] = [
  { label: '32 B', size: 32, connections: 64, window: 16 },
  { label: '4 KiB', size: 4096, connections: 64, window: 16 },
  // 1 MiB at two shapes: few messages in flight (4 MiB in all), and many (32 MiB).
  { label: '1 MiB, 4 x 1', size: 1024 * 1024, connections: 4, window: 1 },
  { label: '1 MiB, 16 x 2', size: 1024 * 1024, connections: 16, window: 2 },
];

export const FULL: Plan = {
  rounds: Number(process.env.BENCH_ROUNDS ?? 3),
  warmupMs: 1000,
  measureMs: Number(process.env.BENCH_SECONDS ?? 3) * 1000,
  sizes: SIZES,
  scaling: [1, 64, 1000],
  idle: (process.env.BENCH_IDLE ?? '1000,10000,50000').split(',').map(Number),
  handshakeConcurrency: 64,
  full: true,
};

/** `pnpm bench --quick`: one short round of each measurement, about a minute and a half. */
export const QUICK: Plan = {
  ...FULL,
  rounds: 1,
  warmupMs: 300,
  measureMs: 700,
  idle: [1000],
  full: false,
};

/** The idle count whose memory the summary and the targets use: 10,000, or the most measured. */
export function idleSummary(plan: Plan): number {
  return plan.idle.includes(10_000) ? 10_000 : Math.max(...plan.idle);
}
