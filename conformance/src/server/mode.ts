import type { Mode } from '../mode.ts';
import { numberCases } from '../mode.ts';
import { openSocket, type Target } from '../target.ts';
import type { Case } from '../verdict.ts';
import { Connection } from '../wire/connection.ts';
import { Opcode } from '../wire/frame.ts';
import { checkSwitch, randomKey, upgradeHeaders } from '../wire/handshake.ts';
import { escapeText, preview } from '../wire/hex.ts';
import { WireLog } from '../wire/log.ts';
import { type ServerContext as Context, ServerContext, type ServerSettings } from './context.ts';
import { SERVER_FAMILIES } from './index.ts';
import { close, PROBE } from './judge.ts';

/**
 * Cases at the same time. A handful keeps a server busy without making it the bottleneck of
 * its own test: the cases are small, and most wait on a round trip.
 */
const CONCURRENCY = 8;

/** Every server case, numbered. */
export function serverCases(): Case<Context>[] {
  return numberCases(SERVER_FAMILIES);
}

export function serverMode(settings: ServerSettings, cases: Case<Context>[]): Mode<Context> {
  return {
    subject: `${settings.target.url} as an echo server`,
    peer: 'server',
    cases,
    concurrency: CONCURRENCY,
    harness: {
      context: (log) => new ServerContext(settings, log),
      finish: (context) => context.finish(),
      // Room for a few waits of --timeout each; the cases timed alone send up to 16 MiB and more.
      deadline: (testCase) => settings.timeoutMs * (testCase.alone ? 12 : 4) + 2000,
    },
    preflight: (notes) => preflight(settings, notes),
  };
}

/**
 * Before the cases: can the server be reached (if not, exit status 2), does it accept a valid
 * upgrade request, and does it speak first without --greeting saying so?
 */
async function preflight(
  settings: ServerSettings,
  notes: (line: string) => void,
): Promise<string | undefined> {
  const { target, timeoutMs } = settings;
  let connection: Connection;
  try {
    connection = new Connection(await openSocket(target, timeoutMs), {
      number: 1,
      log: new WireLog(),
    });
  } catch (error) {
    return `cannot reach ${target.url}: ${(error as Error).message}`;
  }
  try {
    return await checkFirstConnection(connection, target, settings, notes);
  } finally {
    connection.destroy();
  }
}

async function checkFirstConnection(
  connection: Connection,
  target: Target,
  settings: ServerSettings,
  notes: (line: string) => void,
): Promise<string | undefined> {
  const key = randomKey();
  await connection.sendRequest({
    target: target.path,
    headers: upgradeHeaders(target.hostHeader, key),
  });
  const answer = await connection.next(settings.timeoutMs);
  if (answer.kind === 'timeout' || answer.kind === 'closed') {
    // Every case would wait for an answer that does not come: say so now.
    return `${target.url} takes connections but did not answer a valid upgrade request ${
      answer.kind === 'timeout' ? `within ${settings.timeoutMs / 1000} s` : 'before closing it'
    }`;
  }
  if (answer.kind !== 'response') {
    notes(
      `warning: no HTTP response to a valid upgrade request (${answer.kind}); most cases will fail`,
    );
    return undefined;
  }
  const { head } = answer;
  if (head.status !== 101) {
    notes(
      `warning: the server answered a valid upgrade request with ${head.status} ${escapeText(head.reason)}; ` +
        `every case needs a WebSocket connection${hint(head.status, target)}`,
    );
    return undefined;
  }
  if (checkSwitch(head, key).length > 0) return undefined; // the cases say what is wrong with it
  // A server that speaks first shows it before the answer to a ping.
  await connection.send({ opcode: Opcode.Ping, payload: PROBE });
  let messages = 0;
  for (;;) {
    const happening = await connection.next(settings.timeoutMs);
    if (happening.kind === 'message') {
      messages++;
      if (messages === 1 && settings.greeting === 0) {
        notes(
          `note: the server sent a message of its own before any was asked for (${escapeText(preview(happening.data))}); ` +
            'if it greets every client, say how many messages with --greeting N',
        );
      }
      continue;
    }
    if (happening.kind === 'pong' && settings.greeting > messages) {
      notes(
        `note: --greeting ${settings.greeting}, but the server sent ${messages} message(s) before answering a ping`,
      );
    }
    break;
  }
  await connection.send(close(1000));
  return undefined;
}

/** What a refusal of the valid request may mean, for the warning. */
function hint(status: number, target: Target): string {
  if (status === 404) return ': is the path in the URL right?';
  if (status === 421) {
    return `: the server does not answer for the name ${target.hostHeader} (a server on loopback may answer only for localhost and 127.0.0.1)`;
  }
  return '';
}
