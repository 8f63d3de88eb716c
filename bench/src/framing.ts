/**
 * How fast does `shared` parse and encode WebSocket frames? Measured beside `ws`'s Receiver and
 * Sender in the same run, with Buffer.copy of the same bytes as the ceiling.
 *
 *   pnpm --filter bench framing        every row; writes bench/framing-results.md
 *   npx tsx src/framing.ts "1 MiB"     only the rows whose name contains "1 MiB" (for profiling)
 *
 * `ws` runs without its optional native add-ons (bufferutil, utf-8-validate), as most installs
 * do: it then masks and unmasks in JavaScript, and checks UTF-8 with Node's `buffer.isUtf8`, as
 * `shared` does. The header of the output says whether that holds on this machine.
 */
import { isUtf8 } from 'node:buffer';
import { randomBytes, randomFillSync } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import os from 'node:os';
import {
  applyMask,
  DEFAULT_MAX_PAYLOAD,
  encodeFrame,
  encodeFrameHeader,
  FrameParser,
  Opcode,
  type Role,
  randomMaskKey,
} from 'shared';
import { Receiver, Sender } from 'shared/testing';
import { clock, measure, ratios, type Stats, type Subject, stats } from './measure.ts';

// lib/buffer-util.js is not in ws's package "exports", so it is loaded by its path, relative to
// ws's own main file. A require() made for that file also finds packages the way ws itself does.
const wsRequire = createRequire(createRequire(import.meta.url).resolve('ws'));
const wsBufferUtil = wsRequire('./lib/buffer-util.js') as {
  /** XORs `buffer` in place with `mask`; with bufferutil absent, a JavaScript byte loop. */
  unmask(buffer: Buffer, mask: Buffer): void;
};
const wsVersion = (wsRequire('./package.json') as { version: string }).version;

function installedForWs(name: string): boolean {
  try {
    wsRequire.resolve(name);
    return true;
  } catch {
    return false;
  }
}

// What ws's lib/buffer-util.js and lib/validation.js pick when they load: a native mask from
// node:http (Bun has one; Node does not), else bufferutil, else JavaScript.
const nativeWsMask = 'websocketMask' in http;
const bufferutil = installedForWs('bufferutil') && !process.env.WS_NO_BUFFER_UTIL;
const utf8Validate = installedForWs('utf-8-validate');

// ---------------------------------------------------------------------------------------------
// Inputs.

/** Sockets hand over what arrived in chunks of up to 64 KiB. */
const CHUNK_SIZE = 64 * 1024;

/** Text with 1-, 2-, 3- and 4-byte UTF-8 characters, so validation cannot take an ASCII shortcut. */
const PHRASE = 'Hello, WebSocket! Grüße aus Köln, こんにちは 👋 — ';

/** `size` bytes of valid UTF-8 text. */
function textPayload(size: number): Buffer {
  const repeated = Buffer.from(PHRASE.repeat(Math.ceil(size / Buffer.byteLength(PHRASE))));
  // Cut at `size`, but not through a character: while the first byte left out continues a
  // character (10xxxxxx), step back, to leave that character out whole. Spaces fill the rest.
  let end = size;
  while (((repeated[end] ?? 0) & 0xc0) === 0x80) end--;
  const text = Buffer.alloc(size, ' ');
  repeated.copy(text, 0, 0, end);
  if (!isUtf8(text)) throw new Error('textPayload made invalid UTF-8');
  return text;
}

/** A client's frame: masked with its own random key, as RFC 6455 §5.3 requires. */
function maskKey(): Buffer {
  const key = randomMaskKey();
  // ws skips unmasking when the key is all zero bytes; make sure no frame gets that shortcut.
  key[0] = key[0]! | 1;
  return key;
}

/** The bytes of `count` frames of `payload`; masked ones each with a different key. */
function frames(payload: Buffer, opcode: number, masked: boolean, count: number): Buffer[] {
  return Array.from({ length: count }, () =>
    encodeFrame({ opcode, payload, maskKey: masked ? maskKey() : undefined }),
  );
}

/** Frames as they reach a parser: the chunks, and a way to undo what parsing did to them. */
interface Wire {
  chunks: Buffer[];
  /** Puts back the original bytes: both parsers unmask payloads in place, in these chunks. */
  restore: () => void;
  /** The payload bytes of all frames: what a parser must hand over, message by message. */
  payloadBytes: number;
}

/**
 * Lays `frameList` end to end and cuts it into chunks: every 64 KiB, as a socket delivers a busy
 * stream (frames straddle chunks), or one chunk per frame. Each chunk has memory of its own, as
 * each read from a socket does: a parser that keeps a view into a chunk keeps that chunk alive,
 * and nothing more.
 *
 * Why a pristine copy: parsing unmasks the chunks in place, so the next pass would read unmasked
 * bytes as masked ones (garbage, and invalid UTF-8 for text). Before each pass, outside the timed
 * part, the original bytes are copied back. It also leaves the chunks in the CPU cache, as they
 * would be right after the kernel copied them out of the socket.
 */
function wire(frameList: Buffer[], cut: 'socket' | 'frame', payloadBytes: number): Wire {
  const pristine = Buffer.concat(frameList);
  const starts: number[] = [];
  if (cut === 'socket') {
    for (let at = 0; at < pristine.length; at += CHUNK_SIZE) starts.push(at);
  } else {
    let at = 0;
    for (const frame of frameList) {
      starts.push(at);
      at += frame.length;
    }
  }
  const ends = [...starts.slice(1), pristine.length];
  const chunks = starts.map((start, i) => Buffer.allocUnsafeSlow((ends[i] ?? start) - start));
  const restore = () => {
    for (const [i, chunk] of chunks.entries()) pristine.copy(chunk, 0, starts[i], ends[i]);
  };
  restore();
  return { chunks, restore, payloadBytes };
}

// ---------------------------------------------------------------------------------------------
// The implementations, each wrapped the same way: one pass over the input, every message counted
// (its payload bytes added up), and that sum checked against what was sent.

function sharedParse(role: Role, input: Wire): Subject {
  const parser = new FrameParser({ role });
  return {
    name: 'shared',
    prepare: input.restore,
    run: () => {
      let received = 0;
      for (const chunk of input.chunks) {
        for (const event of parser.push(chunk)) {
          if (event.type !== 'binary' && event.type !== 'text') {
            throw new Error(`shared: unexpected ${event.type} event`);
          }
          received += event.data.length;
        }
      }
      return received;
    },
    expected: input.payloadBytes,
  };
}

function wsParse(role: Role, input: Wire): Subject {
  // The same limit as shared's default, though no frame here comes near it.
  const receiver = new Receiver({ isServer: role === 'server', maxPayload: DEFAULT_MAX_PAYLOAD });
  let received = 0;
  receiver.on('message', (data) => {
    received += data.length;
  });
  receiver.on('error', (error) => {
    throw error;
  });
  return {
    name: 'ws',
    prepare: input.restore,
    run: () => {
      received = 0;
      for (const chunk of input.chunks) receiver.write(chunk);
      return received;
    },
    expected: input.payloadBytes,
  };
}

/** The ceiling: touch every input byte once, as fast as the machine can (memcpy). */
function copyChunks(input: Wire): Subject {
  const target = Buffer.allocUnsafe(Math.max(...input.chunks.map((chunk) => chunk.length)));
  return {
    name: 'Buffer.copy',
    // Restored like the others, so every implementation starts each pass with the same cache.
    prepare: input.restore,
    run: () => {
      for (const chunk of input.chunks) chunk.copy(target);
      return 0;
    },
  };
}

/** Header and payload bytes of one binary frame. */
function frameLength(payload: Buffer, masked: boolean): number {
  return encodeFrame({ opcode: Opcode.Binary, payload, maskKey: masked ? maskKey() : undefined })
    .length;
}

function sharedEncode(payload: Buffer, count: number, masked: boolean): Subject {
  return {
    name: 'shared',
    run: () => {
      let written = 0;
      for (let i = 0; i < count; i++) {
        if (masked) {
          // A fresh random key for every frame, written into the header, as WebSocketProtocol does;
          // ws's Sender does the same inside frame().
          written += encodeFrame({ opcode: Opcode.Binary, payload, mask: true }).length;
        } else {
          // A server writes [header, payload], as WebSocketProtocol does: the payload is not copied.
          written += encodeFrameHeader({ opcode: Opcode.Binary, payload }).length + payload.length;
        }
      }
      return written;
    },
    expected: count * frameLength(payload, masked),
  };
}

function wsEncode(payload: Buffer, count: number, masked: boolean): Subject {
  // readOnly: true is what ws's WebSocket.send() passes for a Buffer: the caller's payload must not
  // be masked in place, so a masked frame is written, masked, into a new buffer.
  const options = { opcode: Opcode.Binary, fin: true, mask: masked, readOnly: true };
  return {
    name: 'ws',
    run: () => {
      let written = 0;
      for (let i = 0; i < count; i++) {
        for (const piece of Sender.frame(payload, options)) written += piece.length;
      }
      return written;
    },
    expected: count * frameLength(payload, masked),
  };
}

/** The ceiling for an encoder that copies: each payload copied once, into a buffer made before. */
function copyPayloads(payload: Buffer, count: number): Subject {
  const target = Buffer.allocUnsafe(payload.length);
  return {
    name: 'Buffer.copy',
    run: () => {
      for (let i = 0; i < count; i++) payload.copy(target);
      return 0;
    },
  };
}

// ---------------------------------------------------------------------------------------------
// The rows.

interface Section {
  title: string;
  unit: 'frames/s' | 'MB/s';
}

/** What a row must reach: shared's rate divided by ws's, or by Buffer.copy's, at least `atLeast`. */
interface Target {
  against: 'ws' | 'copy';
  atLeast: number;
}

interface Row {
  section: Section;
  label: string;
  target: Target;
  /** Builds the input and the three subjects (shared, ws, Buffer.copy), only if the row runs. */
  build: () => { unitsPerPass: number; subjects: [Subject, Subject, Subject] };
}

const BEAT_WS: Target = { against: 'ws', atLeast: 1 };

interface Size {
  label: string;
  bytes: number;
  /** Frames per timed pass: enough that a pass takes a millisecond or more. */
  framesPerPass: number;
  unit: Section['unit'];
}

const SIZES: Size[] = [
  { label: '32 B', bytes: 32, framesPerPass: 16_384, unit: 'frames/s' },
  { label: '64 KiB', bytes: 64 * 1024, framesPerPass: 32, unit: 'MB/s' },
  { label: '1 MiB', bytes: 1024 * 1024, framesPerPass: 8, unit: 'MB/s' },
];

function sizeRows(size: Size): Row[] {
  const section: Section = {
    title: `${size.label} frames`,
    unit: size.unit,
  };
  // Frames per second for small frames (the cost is per frame), payload MB/s for large ones.
  const units = size.unit === 'frames/s' ? size.framesPerPass : size.framesPerPass * size.bytes;
  const binary = randomBytes(size.bytes);
  const text = textPayload(size.bytes);

  const parse = (role: Role, kind: 'binary' | 'text', cut: 'socket' | 'frame'): Row => ({
    section,
    label: `parse ${role === 'server' ? 'masked' : 'unmasked'} ${kind}${cut === 'frame' ? ', 1 frame/chunk' : ''}`,
    target: BEAT_WS,
    build: () => {
      const payload = kind === 'text' ? text : binary;
      const opcode = kind === 'text' ? Opcode.Text : Opcode.Binary;
      // A server reads masked frames (from clients), a client reads unmasked ones.
      const frameList = frames(payload, opcode, role === 'server', size.framesPerPass);
      const input = wire(frameList, cut, size.framesPerPass * size.bytes);
      return {
        unitsPerPass: units,
        subjects: [sharedParse(role, input), wsParse(role, input), copyChunks(input)],
      };
    },
  });

  // What is encoded does not depend on the opcode, so binary stands for both.
  const encode = (masked: boolean): Row => ({
    section,
    label: masked ? 'encode masked (client)' : 'encode unmasked (server)',
    target: BEAT_WS,
    build: () => ({
      unitsPerPass: units,
      subjects: [
        sharedEncode(binary, size.framesPerPass, masked),
        wsEncode(binary, size.framesPerPass, masked),
        copyPayloads(binary, size.framesPerPass),
      ],
    }),
  });

  return [
    parse('server', 'binary', 'socket'),
    parse('server', 'text', 'socket'),
    parse('client', 'binary', 'socket'),
    parse('client', 'text', 'socket'),
    parse('server', 'binary', 'frame'),
    encode(false),
    encode(true),
  ];
}

const UNMASK_SIZE = 1024 * 1024;
/** Unmasking passes over the same 1 MiB several times: a single call is only ~0.1 ms. */
const UNMASK_CALLS = 8;

/** XOR in place on one 1 MiB buffer, against copying 1 MiB: no parser around it. */
const unmaskRow: Row = {
  section: { title: 'Unmasking a 1 MiB payload', unit: 'MB/s' },
  label: "applyMask vs ws's JS unmask",
  target: { against: 'copy', atLeast: 0.5 },
  build: () => {
    // Both buffers have memory of their own, starting at a 4-byte boundary, so applyMask's word
    // loop covers every byte. Unmasking twice gives the bytes back: no restoring is needed.
    const data = randomFillSync(Buffer.allocUnsafeSlow(UNMASK_SIZE));
    const target = Buffer.allocUnsafeSlow(UNMASK_SIZE);
    const key = maskKey();
    const repeat = (name: string, work: () => void): Subject => ({
      name,
      run: () => {
        for (let i = 0; i < UNMASK_CALLS; i++) work();
        return 0;
      },
    });
    return {
      unitsPerPass: UNMASK_CALLS * UNMASK_SIZE,
      subjects: [
        repeat('applyMask', () => applyMask(data, key)),
        repeat('ws unmask', () => wsBufferUtil.unmask(data, key)),
        repeat('Buffer.copy', () => data.copy(target)),
      ],
    };
  },
};

// ---------------------------------------------------------------------------------------------
// Running, and the table.

const WARMUP_MS = 150;
const ROUNDS = 11;
const ROUND_MS = 40;

interface Result {
  row: Row;
  shared: Stats;
  ws: Stats;
  copy: Stats;
  /** shared / ws and shared / Buffer.copy, round by round. */
  vsWs: Stats;
  vsCopy: Stats;
  pass: boolean;
}

async function runRow(row: Row, progress: (round: number) => void): Promise<Result> {
  const { unitsPerPass, subjects } = row.build();
  const [shared, wsRates, copy] = await measure(subjects, {
    unitsPerPass,
    warmupMs: WARMUP_MS,
    rounds: ROUNDS,
    roundMs: ROUND_MS,
    onRound: progress,
  });
  const vsWs = stats(ratios(shared!, wsRates!));
  const vsCopy = stats(ratios(shared!, copy!));
  const checked = row.target.against === 'ws' ? vsWs : vsCopy;
  return {
    row,
    shared: stats(shared!),
    ws: stats(wsRates!),
    copy: stats(copy!),
    vsWs,
    vsCopy,
    pass: checked.median >= row.target.atLeast,
  };
}

/** Millions of frames, or MB (10^6 bytes), per second; huge values (a copy not made) as 1.4e7. */
function rate(value: number): string {
  const scaled = value / 1e6;
  if (scaled >= 1e5) return scaled.toExponential(1).replace('+', '');
  return scaled >= 100 ? scaled.toFixed(0) : scaled >= 10 ? scaled.toFixed(1) : scaled.toFixed(2);
}

function rateWithRange(s: Stats): string {
  return `${rate(s.median)} [${rate(s.min)}-${rate(s.max)}]`;
}

/** 1.59x; far below 1, two significant digits (0.0012x) rather than 0.00x. */
function ratio(value: number): string {
  return value >= 0.1 ? value.toFixed(2) : value.toPrecision(2);
}

function ratioWithRange(s: Stats): string {
  return `${ratio(s.median)}x [${ratio(s.min)}-${ratio(s.max)}]`;
}

function percent(value: number): string {
  return `${value >= 0.1 ? (value * 100).toFixed(0) : (value * 100).toFixed(1)}%`;
}

function verdict(result: Result): string {
  const { against, atLeast } = result.row.target;
  const goal = against === 'ws' ? `>= ${atLeast.toFixed(1)}x ws` : `>= ${atLeast * 100}% copy`;
  return `${result.pass ? 'PASS' : 'MISS'} ${goal}`;
}

const COLUMNS = ['', 'shared', 'ws', 'Buffer.copy', 'shared/ws', 'shared/copy', 'target'];
const WIDTHS = [36, 22, 22, 12, 19, 12, 18];

function cells(result: Result): string[] {
  return [
    result.row.label,
    rateWithRange(result.shared),
    rateWithRange(result.ws),
    rate(result.copy.median),
    ratioWithRange(result.vsWs),
    percent(result.vsCopy.median),
    verdict(result),
  ];
}

function textLine(values: string[]): string {
  return values
    .map((value, i) => (i === 0 ? value.padEnd(WIDTHS[i]!) : value.padStart(WIDTHS[i]!)))
    .join('  ')
    .trimEnd();
}

function sectionHeading(section: Section): string {
  const unit = section.unit === 'frames/s' ? 'million frames/s' : 'MB/s of payload';
  return `${section.title}, ${unit}`;
}

function machine(): string {
  const cpus = os.cpus();
  const model = cpus[0]?.model.trim() ?? 'unknown CPU';
  const date = new Date().toISOString().slice(0, 16).replace('T', ' ');
  // Other programs running at the same time make the numbers move: the load average says how busy
  // the machine was (about the number of cores means fully busy).
  const load = os.loadavg()[0]?.toFixed(1);
  return `${model}, ${cpus.length} cores, Node ${process.version} (${process.platform} ${process.arch}), ${date} UTC, load average ${load}`;
}

function addOns(): string {
  const unmaskIn = nativeWsMask
    ? 'native code (node:http)'
    : bufferutil
      ? 'bufferutil'
      : 'JavaScript';
  return (
    `ws ${wsVersion}: bufferutil ${bufferutil ? 'PRESENT' : 'absent'}, ` +
    `utf-8-validate ${utf8Validate ? 'PRESENT' : 'absent'}; ws masks and unmasks in ${unmaskIn}, ` +
    'checks UTF-8 with buffer.isUtf8'
  );
}

const NOTES = [
  `Median of ${ROUNDS} rounds of at least ${ROUND_MS} ms (${clock.name}) each, after ${WARMUP_MS} ms of warm-up; [min-max] of the rounds.`,
  'Ratios are taken round by round (the implementations alternate within each round), then the median.',
  'MB = 10^6 bytes of payload. Parse input: frames end to end, cut in 64 KiB chunks (frames straddle them) unless "1 frame/chunk"; each chunk has memory of its own, as each socket read does.',
  'Both parsers count every message; text is UTF-8-validated by both. Masked input is restored between passes, untimed.',
  'Buffer.copy: the same input copied once (parse: each chunk; encode: each payload), the ceiling for code that touches every byte.',
  'Unmasked encode: neither copies the payload; both return [header, payload] to write together (shared: encodeFrameHeader, as WebSocketProtocol uses it).',
];

function markdown(results: Result[], machineLine: string): string {
  const lines = [
    '<!-- Written by `pnpm --filter bench framing` (bench/src/framing.ts). -->',
    `### Framing: \`shared\` beside \`ws\` ${wsVersion}`,
    '',
    `${machineLine}. ${addOns()}.`,
  ];
  let section: Section | undefined;
  for (const result of results) {
    if (result.row.section !== section) {
      section = result.row.section;
      lines.push(
        '',
        `#### ${sectionHeading(section)}`,
        '',
        `| ${COLUMNS.join(' | ')} |`,
        `| --- | ${COLUMNS.slice(1)
          .map(() => '---:')
          .join(' | ')} |`,
      );
    }
    lines.push(`| ${cells(result).join(' | ')} |`);
  }
  lines.push('', ...NOTES.map((note) => `- ${note}`), '');
  return lines.join('\n');
}

async function main(): Promise<void> {
  const filter = process.argv[2];
  const allRows = [...SIZES.flatMap(sizeRows), unmaskRow];
  const rows = allRows.filter(
    (row) => !filter || `${row.section.title} ${row.label}`.includes(filter),
  );
  if (rows.length === 0) throw new Error(`no row matches "${filter}"`);

  // Taken at the start: the load average then is the one that matters for what follows.
  const machineLine = machine();
  console.log(`Framing benchmark: shared beside ws ${wsVersion}`);
  console.log(machineLine);
  console.log(addOns());
  if (bufferutil || nativeWsMask) {
    console.log('WARNING: ws is not using its JavaScript unmask; the targets assume it is.');
  }

  const started = performance.now();
  const results: Result[] = [];
  let section: Section | undefined;
  for (const [index, row] of rows.entries()) {
    if (row.section !== section) {
      section = row.section;
      console.log(`\n${sectionHeading(section)}`);
      console.log(textLine(COLUMNS));
    }
    // Progress on a terminal: one line, rewritten after each round.
    const progress = (round: number): void => {
      if (!process.stderr.isTTY) return;
      process.stderr.write(
        `\r\x1b[K[${index + 1}/${rows.length}] ${section?.title} ${row.label}: round ${round}/${ROUNDS}`,
      );
    };
    progress(0);
    const result = await runRow(row, progress);
    if (process.stderr.isTTY) process.stderr.write('\r\x1b[K');
    console.log(textLine(cells(result)));
    results.push(result);
  }

  const missed = results.filter((result) => !result.pass).length;
  console.log('');
  for (const note of NOTES) console.log(note);
  console.log(
    `\n${results.length - missed} of ${results.length} targets met, ${missed} missed; ` +
      `${((performance.now() - started) / 1000).toFixed(0)} s.`,
  );

  if (filter) {
    console.log('Only some rows ran: bench/framing-results.md is left as it was.');
  } else {
    const file = new URL('../framing-results.md', import.meta.url);
    writeFileSync(file, markdown(results, machineLine));
    console.log(`Table written to ${file.pathname}`);
  }
}

await main();
