import type { Mode } from '../mode.ts';
import { numberCases } from '../mode.ts';
import type { Case } from '../verdict.ts';
import { escapeText, preview } from '../wire/hex.ts';
import { WireLog } from '../wire/log.ts';
import { CLIENT_START_MS, ClientContext, type ClientSettings } from './context.ts';
import { CLIENT_FAMILIES } from './index.ts';
import { describeExit } from './process.ts';
import { offeredExtensions, offeredProtocols, switchingResponse } from './response.ts';

/**
 * Cases at the same time. Each starts a program - for a Node client, a second of CPU or so
 * before it connects - so a few keep two cores busy without starving the programs of time.
 */
const CONCURRENCY = 4;

/** Every client case, numbered. */
export function clientCases(): Case<ClientContext>[] {
  return numberCases(CLIENT_FAMILIES);
}

export function clientMode(
  settings: ClientSettings,
  cases: Case<ClientContext>[],
): Mode<ClientContext> {
  return {
    subject: `the client "${settings.command}"`,
    peer: 'client',
    cases,
    concurrency: CONCURRENCY,
    harness: {
      context: (log) => new ClientContext(settings, log),
      finish: (context) => context.finish(),
      // The client's start, then room for a few waits of --timeout each.
      deadline: () =>
        Math.max(CLIENT_START_MS, settings.timeoutMs) * 2 + settings.timeoutMs * 4 + 2000,
    },
    preflight: (notes) => preflight(settings, notes),
  };
}

/**
 * Before the cases: does the command start a client that connects to the URL it is given? If
 * not, nothing can be checked (exit status 2). Then what it offers, and whether it sends the
 * lines written to its input, for the reader's notes.
 */
async function preflight(
  settings: ClientSettings,
  notes: (line: string) => void,
): Promise<string | undefined> {
  const context = new ClientContext(settings, new WireLog());
  try {
    const process = await context.start();
    const connected = await context.accept(process).catch(() => undefined);
    if (!connected) {
      const exit = process.exit
        ? `it ${describeExit(process.exit)}`
        : `nothing within ${context.startMs / 1000} s`;
      const said = process.lines
        .map((line) => line.text.trim())
        .filter((line) => line !== '')
        .slice(-3)
        .map((line) => escapeText(line, 160))
        .join(' | ');
      return `the client did not connect to ${context.url}: ${exit}${said ? `; its last lines: ${said}` : ''}. Is {url} where the command takes its URL?`;
    }
    const request = await connected.request(settings.timeoutMs);
    if (typeof request === 'string') {
      notes(
        `warning: the client connected, but sent no upgrade request: ${request}; most cases will fail`,
      );
      return undefined;
    }
    const extensions = offeredExtensions(request);
    if (extensions.length > 0) {
      notes(
        `note: the client offers the extension(s) ${extensions.join(', ')}; the checker takes up none`,
      );
    }
    const protocols = offeredProtocols(request);
    if (protocols.length > 0) {
      notes(
        `note: the client offers the subprotocol(s) ${protocols.join(', ')}; the checker's 101 selects ${protocols[0]}`,
      );
    }
    const { connection, written } = context.answer(connected, switchingResponse(request));
    await written;
    const line = 'conformance: is this line sent?';
    process.writeLine(line);
    const happening = await connection.next(settings.timeoutMs);
    if (happening.kind === 'message' && happening.data.toString('utf8') !== line) {
      notes(
        `note: the client sent ${escapeText(preview(happening.data))} rather than the line written to its input: cases that need it to send its input lines will be UNIMPLEMENTED`,
      );
    } else if (happening.kind === 'timeout') {
      notes(
        `note: the client sent nothing within ${settings.timeoutMs / 1000} s of a line written to its input: cases that need it to will be UNIMPLEMENTED`,
      );
    }
    return undefined;
  } finally {
    await context.finish();
  }
}
