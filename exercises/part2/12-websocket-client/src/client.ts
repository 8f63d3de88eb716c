import {
  describeCertificateError,
  describeClose,
  describeConnectError,
  ExpectedError,
  INSECURE_WARNING,
  trustedCertificates,
  wholeMessage,
} from 'support';
import { WebSocket } from 'ws';
import type { ClientOptions } from './options.ts';

/**
 * The close codes this client deals with (RFC 6455 §7.4.1). 1005 and 1006 never travel in a close
 * frame: ws reports 1005 for a close frame without a code, and 1006 for a connection that ended
 * without a close frame.
 */
const CloseCode = {
  Normal: 1000,
  GoingAway: 1001,
  NoStatusReceived: 1005,
  AbnormalClosure: 1006,
} as const;

/**
 * After we send our close frame, how long we wait for the server's before cutting the
 * connection. A server that is alive answers within milliseconds.
 */
export const CLOSE_WAIT_MS = 2000;

export interface Client {
  /**
   * Resolves when the connection has ended as it should: we closed it, or the server closed it
   * with 1000, 1001 or no code (1005). Rejects with a one-line ExpectedError otherwise.
   */
  done: Promise<void>;
  /** Starts the closing handshake: sends a close frame with 1000 and `reason`. */
  close(reason: string): void;
}

/** Connects to `options.url`, says hello on a timer and prints every message that arrives. */
export function connect(options: ClientOptions): Client {
  const { url, print } = options;

  // 1. Connect. `ws` sends the HTTP upgrade request, checks the server's 101 answer (its
  //    Sec-WebSocket-Accept) and emits 'open'; if that takes longer than `handshakeTimeout`
  //    it gives up with an error.
  //    For wss://, `ca` adds a trusted CA to the usual ones, and `--insecure` turns the
  //    certificate check off (and says so: then anyone on the way can read the connection).
  if (options.insecure) console.error(INSECURE_WARNING);
  const ws = new WebSocket(url, {
    handshakeTimeout: options.timeout,
    ca: trustedCertificates(options),
    rejectUnauthorized: !options.insecure,
  });

  // What the steps below tell each other about this connection.
  let opened = false;
  let closing = false; // we started the closing handshake
  let cut = false; // the server did not answer our close in time
  let failure: ExpectedError | undefined; // the first thing that went wrong, if anything did
  let hello: NodeJS.Timeout | undefined; // the timer of step 2
  let closeWait: NodeJS.Timeout | undefined; // the time limit of step 5
  let received = 0;

  const sayHello = () => ws.send(`Hello at ${new Date().toISOString()}`);

  // 2. Open: say hello now and then on a timer. Sending does not wait for the answer: the
  //    connection goes both ways at once, and messages are printed whenever they arrive.
  ws.on('open', () => {
    opened = true;
    print(`Connected to ${url}`);
    sayHello();
    hello = setInterval(sayHello, options.interval);
  });

  // 3. Every message, text or binary, one line each, printed whole: a long text is not cut,
  //    and binary data shows every byte in hex. Control characters are escaped (a newline as
  //    `\n`), so a message never spreads over several lines of the terminal.
  ws.on('message', (data, isBinary) => {
    // Once our close frame is sent, messages the server sent before it saw ours may still come
    // in (RFC 6455 §5.5.1 lets them); we are done, so they are not printed.
    if (closing) return;
    received += 1;
    // With ws's default binaryType ("nodebuffer") every message arrives as one Buffer.
    print(`Received: ${wholeMessage(data as Buffer, isBinary)}`);
    if (received === options.count) {
      close(`received ${received} ${received === 1 ? 'message' : 'messages'}`); // step 5
    }
  });

  // 4. Failures, each as one line: the first thing that went wrong is kept in `failure`, and
  //    step 6 reports it once the connection has ended.
  //    The server answered the upgrade request with something else than 101: a 404 for a wrong
  //    path, a 401 without credentials, a redirect... Listening for this event gives us the
  //    response itself (status and message), where the 'error' event would only have the number.
  ws.on('unexpected-response', (_request, response) => {
    failure ??= new ExpectedError(
      `server refused the WebSocket upgrade: ${response.statusCode} ${response.statusMessage}`,
    );
    ws.terminate();
  });

  //    Every other failure arrives as an 'error' event, before or after 'open'.
  ws.on('error', (error) => {
    if (closing) return; // we are leaving anyway
    if (opened) {
      // Something the server sent broke the protocol (a bad frame, bad UTF-8, a message over
      // ws's size limit): ws has already closed the connection with the matching code.
      failure ??= new ExpectedError(`the connection failed: ${error.message}`);
    } else if (error.message === 'Opening handshake has timed out') {
      // ws marks this error only by its message, so that is what we look at.
      failure ??= new ExpectedError(
        `cannot connect to ${url}: no WebSocket handshake within ${options.timeout} ms`,
      );
    } else {
      const certificate = describeCertificateError(error);
      failure ??= new ExpectedError(
        certificate
          ? `certificate not trusted: ${certificate}`
          : `cannot connect to ${url}: ${describeConnectError(error)}`,
      );
    }
  });

  // 5. Our side of the close: a close frame with 1000 (Normal Closure) and a reason, then wait.
  //    Leaving at once would be rude and risky: the close frame might not even be written, and
  //    the server would see a connection cut without one (1006). Waiting for the server's close
  //    frame means both sides agree the connection is over. Then ws ends its own side of TCP at
  //    once, without waiting for the server to end its side first as RFC 6455 §7.1.1 would like
  //    (§5.5.1: the client "SHOULD wait for the server to close the connection but MAY close
  //    the connection at any time after sending and receiving a Close message"); its 'close'
  //    event comes once the server has closed its side too. The timer covers all of it.
  function close(reason: string): void {
    if (closing) return;
    closing = true;
    clearInterval(hello);
    if (ws.readyState === WebSocket.CONNECTING) {
      ws.terminate(); // nothing to say goodbye to yet
      return;
    }
    print(`Closing: ${describeClose(CloseCode.Normal, reason)}`);
    ws.close(CloseCode.Normal, reason);
    // A server that never answers must not keep us here forever.
    closeWait = setTimeout(() => {
      cut = true;
      ws.terminate();
    }, CLOSE_WAIT_MS);
  }

  // 6. The end, however it came: decide what it means.
  const done = new Promise<void>((resolve, reject) => {
    ws.on('close', (code, reason) => {
      clearInterval(hello);
      clearTimeout(closeWait);
      if (failure) {
        reject(failure);
      } else if (closing) {
        if (!opened) print('Closed before the connection was open');
        else if (cut) print(`Closed: no answer within ${CLOSE_WAIT_MS} ms, connection cut`);
        else print(`Closed: the server answered with ${describeClose(code, reason)}`);
        resolve();
      } else if (code === CloseCode.AbnormalClosure) {
        // 1006 never travels in a close frame: ws reports it when the TCP connection ended
        // without one (the server crashed, a proxy dropped the connection, the network went away).
        reject(new ExpectedError('connection lost without a close frame (1006)'));
      } else {
        const line = `server closed the connection: ${describeClose(code, reason)}`;
        // 1000: the server is done with us; 1001: it is going away (shutting down); 1005: its
        // close frame had no code at all (RFC 6455 §7.1.5), a proper close that just does not
        // say why. All three are a normal end. Any other code says something went wrong.
        if (
          code === CloseCode.Normal ||
          code === CloseCode.GoingAway ||
          code === CloseCode.NoStatusReceived
        ) {
          print(line);
          resolve();
        } else {
          reject(new ExpectedError(line));
        }
      }
    });
  });

  return { done, close };
}
