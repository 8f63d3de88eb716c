import { describe, expect, it } from 'vitest';
import { encodeFrame, type OutgoingFrame } from '../src/frame.ts';
import { Opcode } from '../src/opcode.ts';
import { type ProtocolEvent, WebSocketProtocol } from '../src/protocol.ts';
import { bytes, read } from './helpers.ts';

// Client frames in these tests are masked with this key, so their bytes can be written out.
const KEY = bytes('01 02 03 04');
const maskKey = () => Buffer.from(KEY);

/** A connection on the server side: it reads masked frames and sends unmasked ones. */
function serverConnection(): WebSocketProtocol {
  return new WebSocketProtocol({ role: 'server' });
}

/** A connection on the client side, masking with the fixed key. */
function clientConnection(): WebSocketProtocol {
  return new WebSocketProtocol({ role: 'client', maskKey });
}

/** A frame from a client, as a server receives it: masked (§5.3). */
function fromClient(frame: OutgoingFrame): Buffer {
  return encodeFrame({ ...frame, maskKey: bytes('a0 b0 c0 d0') });
}

/** A frame from a server, as a client receives it: unmasked (§5.1). */
function fromServer(frame: OutgoingFrame): Buffer {
  return encodeFrame(frame);
}

function closeFrom(sender: typeof fromClient, code?: number, reason = ''): Buffer {
  const payload =
    code === undefined ? Buffer.alloc(0) : Buffer.alloc(2 + Buffer.byteLength(reason));
  if (code !== undefined) {
    payload.writeUInt16BE(code);
    payload.write(reason, 2);
  }
  return sender({ opcode: Opcode.Close, payload });
}

/** A frame as one buffer: the connection hands frames over as buffers to write in order. */
function joined(frame: Buffer[] | undefined): Buffer | undefined {
  return frame && Buffer.concat(frame);
}

/** An event, with a `send` event's frame joined into `bytes`, easy to compare. */
type Seen = Exclude<ProtocolEvent, { type: 'send' }> | { type: 'send'; bytes: Buffer };

/** Every event `receive` hands over for `chunk`, in order. */
function receiveAll(connection: WebSocketProtocol, chunk: Buffer): Seen[] {
  const events: Seen[] = [];
  connection.receive(chunk, (event) =>
    events.push(
      event.type === 'send' ? { type: 'send', bytes: Buffer.concat(event.frame) } : event,
    ),
  );
  return events;
}

/** The `send` events' bytes. */
function sent(events: readonly Seen[]): Buffer[] {
  return events.flatMap((event) => (event.type === 'send' ? [event.bytes] : []));
}

describe('Connection: pings (§5.5.2)', () => {
  it('answers a ping with a pong carrying the same payload, unmasked from a server (§5.5.2)', () => {
    const events = receiveAll(
      serverConnection(),
      fromClient({ opcode: Opcode.Ping, payload: Buffer.from('hi') }),
    );
    expect(events.map((event) => event.type)).toEqual(['ping', 'send']);
    // 8a 02: FIN and pong, 2 bytes, unmasked; then "hi".
    expect(sent(events)).toEqual([bytes('8a 02 68 69')]);
  });

  it('answers a ping with a pong masked by the client (§5.5.2, §5.3)', () => {
    const events = receiveAll(
      clientConnection(),
      fromServer({ opcode: Opcode.Ping, payload: Buffer.from('hi') }),
    );
    // 8a 82: pong, MASK bit and length 2; key 01 02 03 04; "hi" (68 69) XOR 01 02 is 69 6b.
    expect(sent(events)).toEqual([bytes('8a 82 01 02 03 04 69 6b')]);
  });

  it('passes pongs on without answering them (§5.5.3)', () => {
    const events = receiveAll(
      serverConnection(),
      fromClient({ opcode: Opcode.Pong, payload: Buffer.from('hi') }),
    );
    expect(events.map((event) => event.type)).toEqual(['pong']);
  });

  it('makes a ping frame with ping() (§5.5.2)', () => {
    expect(joined(serverConnection().ping(Buffer.from('hi')))).toEqual(bytes('89 02 68 69'));
  });
});

describe('Connection: messages', () => {
  it('delivers a text message (§5.6)', () => {
    const events = receiveAll(
      serverConnection(),
      fromClient({ opcode: Opcode.Text, payload: Buffer.from('Hello') }),
    );
    expect(events).toEqual([{ type: 'text', data: Buffer.from('Hello') }]);
  });

  it("makes an unmasked frame for a server's message (§5.1)", () => {
    expect(joined(serverConnection().send('text', 'Hello'))).toEqual(bytes('81 05 48 65 6c 6c 6f'));
  });

  it("makes a masked frame for a client's message (§5.3)", () => {
    const frame = joined(clientConnection().send('binary', bytes('00 00 00 00 ff')));
    // 82 85: binary, MASK bit, length 5; then the key; zero bytes masked are the key itself.
    expect(frame).toEqual(bytes('82 85 01 02 03 04 01 02 03 04 fe'));
  });
});

describe('Connection: the closing handshake started by the peer (§5.5.1, §7.1)', () => {
  it('answers a close with a close echoing its code, then reports closed (§5.5.1)', () => {
    const connection = serverConnection();
    const events = receiveAll(connection, closeFrom(fromClient, 1001, 'bye'));
    expect(events).toEqual([
      // 88 02 03 e9: close, 2 bytes, code 1001.
      { type: 'send', bytes: bytes('88 02 03 e9') },
      { type: 'closed', code: 1001, reason: 'bye' },
    ]);
    expect(connection.state).toBe('closed');
  });

  it('answers a close without a code with an empty close, and reports 1005 (§5.5.1, §7.1.5)', () => {
    const events = receiveAll(serverConnection(), closeFrom(fromClient));
    expect(events).toEqual([
      { type: 'send', bytes: bytes('88 00') },
      { type: 'closed', code: 1005, reason: '' },
    ]);
  });

  it('masks the close it answers with on the client side (§5.3)', () => {
    const events = receiveAll(clientConnection(), closeFrom(fromServer, 1000));
    // 88 82: close, MASK bit, 2 bytes; key; 03 e8 XOR 01 02 is 02 ea.
    expect(sent(events)).toEqual([bytes('88 82 01 02 03 04 02 ea')]);
  });

  it('still sends while handling a message that came just before the close, and not after it (§5.5.1)', () => {
    const connection = serverConnection();
    const echoes: (Buffer | undefined)[] = [];
    const types: string[] = [];
    const chunk = Buffer.concat([
      fromClient({ opcode: Opcode.Text, payload: Buffer.from('b') }),
      closeFrom(fromClient, 1000),
    ]);
    connection.receive(chunk, (event) => {
      types.push(event.type);
      // An echo server answers each message as it handles it.
      if (event.type === 'text' || event.type === 'closed')
        echoes.push(joined(connection.send('text', 'b')));
    });
    expect(types).toEqual(['text', 'send', 'closed']);
    // 81 01 62: the echo of "b" goes out before the close answer; after 'closed', nothing does.
    expect(echoes).toEqual([bytes('81 01 62'), undefined]);
  });

  it('reads nothing more once closed (§1.4)', () => {
    const connection = serverConnection();
    receiveAll(connection, closeFrom(fromClient, 1000));
    expect(
      receiveAll(connection, fromClient({ opcode: Opcode.Text, payload: Buffer.from('late') })),
    ).toEqual([]);
  });
});

describe('Connection: the closing handshake started by us (§7.1.2)', () => {
  it('makes a close frame with code 1000 by default and moves to "closing" (§7.1.2)', () => {
    const connection = serverConnection();
    expect(joined(connection.close())).toEqual(bytes('88 02 03 e8'));
    expect(connection.state).toBe('closing');
  });

  it('sends no more messages once closing (§5.5.1: "MUST NOT send any more data frames")', () => {
    const connection = serverConnection();
    connection.close();
    expect(connection.send('text', 'too late')).toBeUndefined();
  });

  it('sends no more pings, and no second close, once closing (§5.5.1)', () => {
    const connection = serverConnection();
    connection.close();
    expect(connection.ping()).toBeUndefined();
    expect(connection.close()).toBeUndefined();
  });

  it('still answers a ping once closing: only data frames stop after our close (§5.5.2)', () => {
    const connection = serverConnection();
    connection.close();
    const events = receiveAll(
      connection,
      fromClient({ opcode: Opcode.Ping, payload: Buffer.from('hi') }),
    );
    expect(events.map((event) => event.type)).toEqual(['ping', 'send']);
    const pong = events[1]?.type === 'send' ? events[1].bytes : Buffer.alloc(0);
    expect(read(pong, { role: 'client' })).toEqual([
      { type: 'pong', data: Buffer.from('hi').toString('hex') },
    ]);
  });

  it('refuses a code that may not be sent (1005) and stays open, able to close after', () => {
    const connection = serverConnection();
    expect(() => connection.close(1005)).toThrow(RangeError);
    expect(connection.state).toBe('open');
    expect(connection.send('text', 'still open')).toBeDefined();
    const frame = connection.close(1000, 'bye');
    expect(read(joined(frame) ?? Buffer.alloc(0), { role: 'client' })).toEqual([
      { type: 'close', code: 1000, reason: 'bye' },
    ]);
  });

  it('still delivers messages the peer sent before its close (§7.1.2)', () => {
    const connection = serverConnection();
    connection.close();
    const events = receiveAll(
      connection,
      fromClient({ opcode: Opcode.Text, payload: Buffer.from('last') }),
    );
    expect(events.map((event) => event.type)).toEqual(['text']);
  });

  it("reports closed, without sending another close, when the peer's close arrives (§7.1.2)", () => {
    const connection = serverConnection();
    connection.close(1000, 'done');
    const events = receiveAll(connection, closeFrom(fromClient, 1000, 'ok'));
    expect(events).toEqual([{ type: 'closed', code: 1000, reason: 'ok' }]);
    expect(connection.state).toBe('closed');
  });

  it('cuts a long close reason to 123 bytes without splitting a character (§5.5)', () => {
    // 50 "€" are 150 bytes; 41 of them, 123 bytes, fit after the 2-byte code.
    const frame = serverConnection().close(1000, '€'.repeat(50));
    const [event] = read(frame ?? Buffer.alloc(0), { role: 'client' });
    expect(event).toEqual({ type: 'close', code: 1000, reason: '€'.repeat(41) });
  });
});

describe('Connection: protocol errors (§7.1.7)', () => {
  it('reports the error, sends a close with its code, then reports closed (§7.1.7)', () => {
    // A server reading an unmasked frame: 1002 (§5.1).
    const events = receiveAll(
      serverConnection(),
      fromServer({ opcode: Opcode.Text, payload: Buffer.from('x') }),
    );
    expect(events.map((event) => event.type)).toEqual(['error', 'send', 'closed']);
    const [error, send, closed] = events;
    expect(error?.type === 'error' && error.error.closeCode).toBe(1002);
    const reply = read(send?.type === 'send' ? send.bytes : Buffer.alloc(0), { role: 'client' });
    expect(reply).toEqual([{ type: 'close', code: 1002, reason: 'client frame is not masked' }]);
    expect(closed).toEqual({ type: 'closed', code: 1002, reason: 'client frame is not masked' });
  });

  it('fails with 1009 on a message over the maxPayload it was given (§10.4)', () => {
    const connection = new WebSocketProtocol({ role: 'server', maxPayload: 10 });
    const events = receiveAll(
      connection,
      fromClient({ opcode: Opcode.Binary, payload: Buffer.alloc(11) }),
    );
    expect(events.at(-1)).toMatchObject({ type: 'closed', code: 1009 });
  });

  it('sends no second close when the error comes while closing (§7.1.7)', () => {
    const connection = serverConnection();
    connection.close();
    const events = receiveAll(
      connection,
      fromServer({ opcode: Opcode.Text, payload: Buffer.from('x') }),
    );
    expect(events.map((event) => event.type)).toEqual(['error', 'closed']);
  });
});

describe('Connection: failing it from the program (§7.1.7)', () => {
  it('returns a close frame with the code, then sends and answers nothing more', () => {
    const connection = serverConnection();
    const frame = connection.fail(1011);
    expect(read(joined(frame) ?? Buffer.alloc(0), { role: 'client' })).toEqual([
      { type: 'close', code: 1011, reason: '' },
    ]);
    expect(connection.state).toBe('closed');
    expect(connection.send('text', 'x')).toBeUndefined();
    expect(connection.fail(1011)).toBeUndefined();
    const events = receiveAll(connection, fromClient({ opcode: Opcode.Ping, payload: KEY }));
    expect(events).toEqual([]);
  });

  it('hands over no more events of the same chunk once the program failed it', () => {
    const connection = serverConnection();
    const chunk = Buffer.concat([
      fromClient({ opcode: Opcode.Text, payload: Buffer.from('one') }),
      fromClient({ opcode: Opcode.Text, payload: Buffer.from('two') }),
    ]);
    const seen: string[] = [];
    connection.receive(chunk, (event) => {
      seen.push(event.type === 'text' ? event.data.toString() : event.type);
      if (event.type === 'text') connection.fail(1011);
    });
    expect(seen).toEqual(['one']);
  });

  it('sends no close frame when ours went out already', () => {
    const connection = serverConnection();
    connection.close();
    expect(connection.fail(1011)).toBeUndefined();
    expect(connection.state).toBe('closed');
  });
});

describe('Connection: tracing', () => {
  it('reports frames read as "in" and frames made as "out" to onFrame', () => {
    const seen: string[] = [];
    const connection = new WebSocketProtocol({
      role: 'server',
      onFrame: (frame, direction) => seen.push(`${direction} ${frame.opcode}`),
    });
    receiveAll(connection, fromClient({ opcode: Opcode.Ping, payload: Buffer.alloc(0) }));
    expect(seen).toEqual([`in ${Opcode.Ping}`, `out ${Opcode.Pong}`]);
  });
});
