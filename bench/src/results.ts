import type { LoadResult } from './clients.ts';
import type { HandshakeResult } from './handshakes.ts';

/** Memory per idle connection, in bytes: resident (RSS), and heap plus Node's buffers. */
export interface IdleResult {
  rss: number;
  heap: number;
}

/** What one server measured, one entry per round in each list. */
export class ServerResults {
  /** The line the server printed on start (ws says there whether bufferutil loaded). */
  startLine = '';
  readonly handshakes: HandshakeResult[] = [];
  readonly #echo = new Map<string, LoadResult[]>();
  readonly #scaling = new Map<number, LoadResult[]>();
  readonly #idle = new Map<number, IdleResult[]>();

  /** Echo rounds at one message size (its label, such as `32 B`). */
  echo(size: string): LoadResult[] {
    return entry(this.#echo, size);
  }

  /** Echo rounds with `connections` connections, 32 B, one message in flight on each. */
  scaling(connections: number): LoadResult[] {
    return entry(this.#scaling, connections);
  }

  /** Idle rounds with `connections` connections open. */
  idle(connections: number): IdleResult[] {
    return entry(this.#idle, connections);
  }
}

/** Every server's results, and notes on what could not be measured. */
export class Results {
  readonly notes = new Set<string>();
  readonly #servers = new Map<string, ServerResults>();

  get(server: string): ServerResults {
    return entry(this.#servers, server, () => new ServerResults());
  }
}

function entry<K, V>(map: Map<K, V>, key: K, make: () => V = () => [] as V): V {
  let value = map.get(key);
  if (value === undefined) {
    value = make();
    map.set(key, value);
  }
  return value;
}
