import { get, type IncomingMessage } from 'node:http';

/** An entry of the frame inspector's stream, as the page reads it. */
export interface InspectorEntry {
  kind: string;
  [field: string]: unknown;
}

/** A subscription to `/inspect/<id>`, read the way the page's EventSource reads it. */
export interface InspectorSubscription {
  status: number;
  response: IncomingMessage;
  /** The next entry, or undefined once the stream has ended. */
  next(): Promise<InspectorEntry | undefined>;
  /** Every entry not taken by `next()` yet, until the stream ends. */
  rest(): Promise<InspectorEntry[]>;
}

/**
 * Subscribes to a server's frame inspector, as the page does (support/src/inspector.ts), over
 * 127.0.0.1 with `Host: localhost:<port>` unless `host` says otherwise. `paused`: a page that
 * never reads - nothing is taken from the socket until `response.resume()`.
 */
export function subscribeToInspector(
  port: number,
  id: string,
  options: { host?: string; paused?: boolean } = {},
): Promise<InspectorSubscription> {
  return new Promise((resolve, reject) => {
    const headers = { Host: options.host ?? `localhost:${port}` };
    // A connection of its own, as a page's stream has (agent: false).
    const request = { host: '127.0.0.1', port, path: `/inspect/${id}`, headers, agent: false };
    get(request, (response) => {
      if (options.paused) response.pause();
      const entries: InspectorEntry[] = [];
      let waiting: ((entry: InspectorEntry | undefined) => void) | undefined;
      let ended = false;
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        text += chunk;
        // Server-Sent Events: each event ends with a blank line; ours are `data: <JSON>`.
        let end = text.indexOf('\n\n');
        while (end !== -1) {
          const event = text.slice(0, end);
          text = text.slice(end + 2);
          end = text.indexOf('\n\n');
          if (!event.startsWith('data: ')) continue;
          const entry = JSON.parse(event.slice('data: '.length)) as InspectorEntry;
          if (waiting) {
            waiting(entry);
            waiting = undefined;
          } else entries.push(entry);
        }
      });
      const onEnd = () => {
        ended = true;
        waiting?.(undefined);
        waiting = undefined;
      };
      response.on('end', onEnd);
      response.on('close', onEnd);
      const next = () => {
        const entry = entries.shift();
        if (entry || ended) return Promise.resolve(entry);
        return new Promise<InspectorEntry | undefined>((done) => {
          waiting = done;
        });
      };
      resolve({
        status: response.statusCode ?? 0,
        response,
        next,
        async rest() {
          const all: InspectorEntry[] = [];
          for (let entry = await next(); entry; entry = await next()) all.push(entry);
          return all;
        },
      });
    }).on('error', reject);
  });
}
