import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import {
  CloseCode,
  closeCodeName,
  describeFrame,
  type ProtocolEvent,
  WebSocketProtocol,
} from 'shared';
import { describeClose, INSECURE_WARNING, oneLine, wholeMessage } from 'support';
import { openWebSocket } from './handshake.ts';
import type { ClientOptions } from './options.ts';

/**
 * After our close frame (Ctrl+C, end of input), how long the server gets to answer with its own;
 * and after the close frames, how long it gets to close TCP (RFC 6455 §7.1.1: the server closes
 * first). Then the client cuts the connection itself.
 */
const CLOSE_TIMEOUT_MS = 2000;

/**
 * Backpressure: once more than this many bytes wait in the socket to be sent, the client stops
 * reading, from the server and from the input, until all of them are written. Each ping the
 * server sends asks for a pong, and each line of input is a message: a server that sends pings as
 * fast as it can and never reads would otherwise fill our memory with pongs, and a large file
 * piped in would fill it with messages. 1 MiB is room for a long line or a burst of pongs; a
 * person typing never comes near it.
 */
export const WRITE_BUFFER_LIMIT = 1024 * 1024;

export interface Terminal {
  /** Lines to send: the keyboard, or a pipe or file. */
  input: Readable;
  /**
   * Where messages and notices go (stdout). Many lines quote the server (a message, a close
   * reason, with --trace its headers): the real terminal escapes their control characters.
   */
  print(line: string): void;
  /** Where errors go (stderr), escaped the same way. */
  printError(line: string): void;
  /** Calls `stop` on Ctrl+C and SIGTERM; returns a function that stops listening. */
  onInterrupt(stop: () => void): () => void;
}

/**
 * The close codes from the server that end the connection cleanly: exit code 0. Any other code
 * says something went wrong: exit code 1.
 */
const CLEAN_CLOSE_CODES: readonly number[] = [
  CloseCode.Normal, // 1000: the server is done with us
  CloseCode.GoingAway, // 1001: the server is shutting down
  // 1005: a close frame with no code at all (RFC 6455 §7.1.5). The server closed properly,
  // with a close frame; it only did not say why.
  CloseCode.NoStatusReceived,
];

/**
 * Connects, then sends each input line as a text message and prints each message that arrives,
 * until one side closes. Resolves with the exit code: 0 after a clean close (we closed, or the
 * server closed with 1000, 1001 or no code), 1 otherwise.
 */
export async function runClient(options: ClientOptions, terminal: Terminal): Promise<number> {
  const { print, printError } = terminal;
  const trace = options.trace ? print : undefined;

  // 1. The opening handshake (src/handshake.ts): TCP (and TLS for wss://), the upgrade request,
  //    the server's answer read and checked (RFC 6455 §4.1). A failure there is thrown as one
  //    line. What comes back is the socket, now speaking WebSocket, and any bytes the server
  //    sent right after its answer.
  if (options.insecure) printError(INSECURE_WARNING);
  const { socket, rest } = await openWebSocket(options.url, { ...options, trace });

  // 2. The protocol, without I/O (shared/src/protocol.ts): bytes from the server go in, events
  //    come out; messages to send go in, frames come out. With role 'client' it masks every
  //    frame it sends with a fresh random key (RFC 6455 §5.3), and refuses a masked frame from
  //    the server (§5.1).
  const protocol = new WebSocketProtocol({
    role: 'client',
    onFrame:
      trace &&
      ((frame, direction) => trace(`${direction === 'in' ? '>>' : '<<'} ${describeFrame(frame)}`)),
  });

  return new Promise<number>((resolve) => {
    // Decided by how the WebSocket connection ends (steps 4, 5 and 7); undefined until then.
    let exitCode: number | undefined;
    // We sent the first close frame (step 5), rather than the server.
    let weClosed = false;
    // Once a close frame has gone by, the time the server gets for its next move: first its
    // close frame (step 5), then closing TCP (step 4, 'closed'). Then the client cuts.
    let closeTimer: NodeJS.Timeout | undefined;

    // 3. Writing frames. A frame comes as buffers to write in order; a client's is always one
    //    (masked) buffer. Once the socket is gone there is nowhere to write.
    //    Backpressure: `socket.write` always takes the bytes, and keeps what the network cannot
    //    take yet. Once more than WRITE_BUFFER_LIMIT bytes wait, stop reading the socket (every
    //    ping read is a pong to write) and the input (every line is a message) until the socket
    //    has written them all ('drain'). What the client holds stays bounded, whatever the server
    //    does. (RFC 6455 §5.5.3 would also let us answer only the most recent of many pings; one
    //    rule for every frame we write is simpler, and it covers the input too.)
    let waitingForDrain = false;
    const write = (frame: Buffer[] | undefined) => {
      if (frame === undefined || socket.destroyed) return;
      for (const part of frame) socket.write(part);
      if (waitingForDrain || socket.writableLength <= WRITE_BUFFER_LIMIT) return;
      waitingForDrain = true;
      socket.pause();
      terminal.input.pause();
      socket.once('drain', () => {
        waitingForDrain = false;
        socket.resume();
        terminal.input.resume();
      });
    };

    // 4. Reading: every chunk from the socket goes into the protocol, which calls `handle` with
    //    one event at a time.
    const handle = (event: ProtocolEvent) => {
      switch (event.type) {
        // Printed whole, as received: a long text is not cut, and binary shows every byte. Control
        // characters are escaped (`\n`), so each message is one line of the terminal.
        case 'text':
          print(`Received: ${wholeMessage(event.data, false)}`);
          break;
        case 'binary':
          print(`Received: ${wholeMessage(event.data, true)}`);
          break;
        case 'ping':
        case 'pong':
          break; // a ping's pong follows as a 'send' event
        case 'send':
          // A pong (§5.5.2), or the close frame that answers the server's (§5.5.1) or reports
          // its error (§7.1.7).
          write(event.frame);
          break;
        case 'error':
          // The server broke the protocol; `WebSocketProtocol` has queued our close frame with the code.
          printError(
            `protocol error: ${event.error.message}; closing with ${event.error.closeCode} (${closeCodeName(event.error.closeCode)})`,
          );
          exitCode = 1;
          break;
        case 'closed':
          // Both close frames have gone by (or the server broke the protocol): the WebSocket
          // connection is over, and its codes decide the exit code.
          if (exitCode === undefined) {
            if (weClosed) {
              print(`closed: ${describeClose(event.code, event.reason)}`);
              exitCode = 0;
            } else {
              print(`server closed the connection: ${describeClose(event.code, event.reason)}`);
              exitCode = CLEAN_CLOSE_CODES.includes(event.code) ? 0 : 1;
            }
          }
          // RFC 6455 §7.1.1: the server closes TCP first. Wait for it, but not forever.
          clearTimeout(closeTimer);
          closeTimer = setTimeout(() => socket.destroy(), CLOSE_TIMEOUT_MS);
          break;
      }
    };
    const receive = (chunk: Buffer) => protocol.receive(chunk, handle);
    socket.on('data', receive);
    socket.on('error', () => {}); // 'close' follows (step 7) and says what happened

    // 5. Our side of the closing handshake (§7.1.2): send close 1000, then wait for the server's
    //    close frame (step 4, 'closed') - not forever: a server that never answers is cut off,
    //    and we still exit with 0, since we were the one leaving.
    const close = () => {
      weClosed = true;
      write(protocol.close(CloseCode.Normal));
      closeTimer ??= setTimeout(() => {
        if (exitCode === undefined)
          printError('the server did not answer the close; closing anyway');
        exitCode ??= 0;
        socket.destroy();
      }, CLOSE_TIMEOUT_MS);
    };
    // Ctrl+C and SIGTERM close from now on (before the prompt says so); a second one, or one
    // after the close frames, cuts the connection without waiting for the server.
    const stopListening = terminal.onInterrupt(() => {
      if (closeTimer === undefined) return close();
      exitCode ??= 0;
      socket.destroy();
    });
    print('Connected! Type messages, Ctrl+D or Ctrl+C to quit.');

    // 6. Each line typed (or piped in) is one text message; the end of input closes (step 5).
    const lines = createInterface({ input: terminal.input, terminal: false });
    lines.on('line', (line) => write(protocol.send('text', line)));
    lines.on('close', () => {
      if (protocol.state === 'open' && !socket.destroyed) close();
    });

    // 7. TCP is closed: the end. Without a close frame before it, the connection was lost.
    socket.once('close', () => {
      clearTimeout(closeTimer);
      stopListening();
      lines.close();
      if (exitCode === undefined) {
        // RFC 6455 §7.1.5: without a close frame, the connection "is closed with 1006".
        printError(`connection lost without a close frame (${CloseCode.AbnormalClosure})`);
        exitCode = 1;
      }
      resolve(exitCode);
    });

    // The handshake paused the socket, so nothing has been missed: first the bytes that came
    // with the server's answer, then the rest as it arrives (unless step 3 is waiting already).
    if (rest.length > 0) receive(rest);
    if (!waitingForDrain) socket.resume();
  });
}

/**
 * The real terminal: standard input and output, Ctrl+C and SIGTERM. Every line goes out through
 * `oneLine`: what a server sends may hold escape sequences (ESC [2J clears the screen, ESC ] 0;
 * retitles the window), and here they arrive as `\u001b` instead. Escaping here, where lines
 * leave the program, leaves no way around it.
 */
export function processTerminal(): Terminal {
  return {
    input: process.stdin,
    print: (line) => console.log(oneLine(line)),
    printError: (line) => console.error(oneLine(line)),
    onInterrupt(stop) {
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
      return () => {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
      };
    },
  };
}
