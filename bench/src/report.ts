import type { Spread } from './stats.ts';

/** One server's echo results at one message size, over all rounds. */
export interface EchoRow {
  server: string;
  messagesPerSecond: Spread;
  megabytesPerSecond: Spread;
  p50: Spread;
  p99: Spread;
}

export interface EchoTable {
  label: string;
  setup: string;
  rows: EchoRow[];
}

export interface IdleRow {
  server: string;
  /** Resident memory (RSS) per connection. */
  bytesPerConnection: Spread;
  /** JavaScript heap plus Node's buffers outside it, per connection. */
  heapPerConnection: Spread;
}

export interface Target {
  what: string;
  measured: string;
  met: boolean;
}

/** Three significant digits, written out: 0.748, 29.3, 1,440. */
const number = (value: number, digits = 3) =>
  Number.isFinite(value)
    ? value.toLocaleString('en-US', { maximumSignificantDigits: digits })
    : 'n/a';
const thousands = (value: number) => Math.round(value).toLocaleString('en-US');
const range = (spread: Spread, format: (value: number) => string) =>
  `${format(spread.median)} [${format(spread.min)}-${format(spread.max)}]`;

/** The ratio of a row's median messages/s to the baseline row's. */
export function ratio(rows: EchoRow[], server: string, baseline: string): number {
  const find = (name: string) => rows.find((row) => row.server === name)?.messagesPerSecond.median;
  return (find(server) ?? Number.NaN) / (find(baseline) ?? Number.NaN);
}

export function echoMarkdown(table: EchoTable): string {
  const lines = [
    `### ${table.label} messages (${table.setup})`,
    '',
    '| Server | Messages/s | MB/s | Round trip p50 (ms) | p99 (ms) | vs echo-server |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const row of table.rows) {
    lines.push(
      `| ${row.server} | ${range(row.messagesPerSecond, thousands)} | ${range(row.megabytesPerSecond, (v) => number(v))} | ` +
        `${range(row.p50, (v) => number(v))} | ${range(row.p99, (v) => number(v))} | ` +
        `${number(ratio(table.rows, row.server, 'echo-server'))}x |`,
    );
  }
  return lines.join('\n');
}

export function idleMarkdown(rows: IdleRow[], connections: number): string {
  const baseline = rows.find((row) => row.server === 'echo-server')?.bytesPerConnection.median;
  const lines = [
    `${thousands(connections)} idle connections per server. The server's memory after a full ` +
      'garbage collection, with the connections open minus before them, divided by the ' +
      'connections: resident memory (RSS), and the part of it that is the JavaScript heap and ' +
      "Node's buffers.",
    '',
    '| Server | RSS per connection (bytes) | vs echo-server | Heap per connection (bytes) |',
    '| --- | ---: | ---: | ---: |',
  ];
  for (const row of rows) {
    const vs = row.bytesPerConnection.median / (baseline ?? Number.NaN);
    const rss = range(row.bytesPerConnection, thousands);
    const heap = range(row.heapPerConnection, thousands);
    lines.push(`| ${row.server} | ${rss} | ${number(vs)}x | ${heap} |`);
  }
  return lines.join('\n');
}

export function targetsMarkdown(targets: Target[]): string {
  const lines = ['| Target | Measured | Result |', '| --- | --- | --- |'];
  for (const target of targets) {
    lines.push(`| ${target.what} | ${target.measured} | ${target.met ? 'met' : '**missed**'} |`);
  }
  return lines.join('\n');
}

const COLORS = ['#4e79a7', '#e15759', '#76b7b2', '#f28e2b', '#9c9c9c'];

/**
 * A grouped bar chart as SVG: for each message size, each server's messages per second as a
 * multiple of echo-server's. Written by hand: a few rectangles and labels.
 */
export function echoChart(tables: EchoTable[]): string {
  const servers = tables[0]?.rows.map((row) => row.server) ?? [];
  const values = tables.map((table) =>
    servers.map((server) => ratio(table.rows, server, 'echo-server')),
  );
  const top = Math.max(1, ...values.flat().filter(Number.isFinite)) * 1.1;
  const width = 760;
  const height = 360;
  const left = 60;
  const bottom = 300;
  const plotHeight = 260;
  const groupWidth = Math.floor((width - left - 20) / tables.length);
  const barWidth = Math.floor((groupWidth - 30) / servers.length);
  const title = `Echo throughput as a multiple of echo-server (ws): ${tables
    .map(
      (table, group) =>
        `${table.label}: ${servers.map((server, i) => `${server} ${number(values[group]?.[i] ?? Number.NaN, 2)}x`).join(', ')}`,
    )
    .join('; ')}`;
  const y = (value: number) => Math.round((bottom - (value / top) * plotHeight) * 10) / 10;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12" role="img" aria-labelledby="title">`,
    `<title id="title">${title}</title>`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="${left}" y="20" font-size="14" font-weight="bold">Echo throughput, messages/s as a multiple of echo-server (ws)</text>`,
  ];
  for (let tick = 0; tick <= top; tick += top > 4 ? 1 : 0.5) {
    parts.push(
      `<line x1="${left}" x2="${width - 20}" y1="${y(tick)}" y2="${y(tick)}" stroke="${tick === 1 ? '#333' : '#ddd'}"/>`,
      `<text x="${left - 8}" y="${y(tick) + 4}" text-anchor="end">${tick}x</text>`,
    );
  }
  tables.forEach((table, group) => {
    const x0 = left + group * groupWidth + 15;
    servers.forEach((server, i) => {
      const value = values[group]?.[i] ?? 0;
      const x = x0 + i * barWidth;
      parts.push(
        `<rect x="${x}" y="${y(value)}" width="${barWidth - 4}" height="${bottom - y(value)}" fill="${COLORS[i % COLORS.length]}"><title>${server}: ${number(value)}x</title></rect>`,
        `<text x="${x + (barWidth - 4) / 2}" y="${y(value) - 4}" text-anchor="middle" font-size="10">${number(value, 2)}</text>`,
      );
    });
    parts.push(
      `<text x="${x0 + (servers.length * barWidth) / 2}" y="${bottom + 18}" text-anchor="middle">${table.label}</text>`,
    );
  });
  servers.forEach((server, i) => {
    const x = left + i * 135;
    parts.push(
      `<rect x="${x}" y="${height - 28}" width="12" height="12" fill="${COLORS[i % COLORS.length]}"/>`,
      `<text x="${x + 16}" y="${height - 18}">${server}</text>`,
    );
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}
