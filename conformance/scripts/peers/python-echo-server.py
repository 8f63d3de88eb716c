"""An echo server on python-websockets (Debian's python3-websockets), as its documentation
writes one: every message back, with its type. Prints the URL it listens on.

    /usr/bin/python3 python-echo-server.py
"""
import asyncio

import websockets


async def echo(websocket):
    async for message in websocket:
        await websocket.send(message)


async def main():
    async with websockets.serve(echo, "127.0.0.1", 0) as server:
        port = server.sockets[0].getsockname()[1]
        print(f"listening on ws://127.0.0.1:{port}/", flush=True)
        await asyncio.Future()


asyncio.run(main())
