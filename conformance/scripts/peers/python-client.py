"""A command-line client on python-websockets (Debian's python3-websockets), keeping the contract
`pnpm conformance --client` checks: each line of input is sent as a text message, the end of
input closes with 1000, every message is printed on a line, and the exit status is 0 after a
clean close (ours, or the server's with 1000, 1001 or no code) and 1 otherwise, with a line
saying why.

    /usr/bin/python3 python-client.py ws://localhost:8082/ws
"""
import asyncio
import sys

import websockets

CLEAN = (1000, 1001, 1005)


async def send_input(websocket, state):
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=1 << 24)
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    while line := await reader.readline():
        await websocket.send(line.decode("utf-8").rstrip("\n"))
    state["closing"] = True
    await websocket.close(1000)


async def run(url):
    state = {"closing": False}
    try:
        async with websockets.connect(url) as websocket:
            sender = asyncio.create_task(send_input(websocket, state))
            try:
                async for message in websocket:
                    if isinstance(message, bytes):
                        print(f"binary: {message.hex()}", flush=True)
                    else:
                        print(repr(message)[1:-1], flush=True)
            except websockets.ConnectionClosedError:
                pass
            sender.cancel()
            code = websocket.close_code
    except websockets.InvalidHandshake as error:
        print(f"error: handshake failed: {error}", file=sys.stderr)
        return 1
    except OSError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    if state["closing"] or code in CLEAN:
        print(f"closed: {code}")
        return 0
    reason = "connection lost without a close frame" if code == 1006 else "closed"
    print(f"error: {reason}: {code}", file=sys.stderr)
    return 1


sys.exit(asyncio.run(run(sys.argv[1])))
