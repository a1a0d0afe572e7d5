"""Subgraph HTTP clients, one request at a time: wall and CPU microseconds per request.

    .venv/bin/python -m bench.clients [--requests 5000]

The router's transports (`Http1Transport`, the default; `HttpTransport` on
aiohttp; `HttpxTransport` on httpx) each send the same small GraphQL POST,
sequentially, to a minimal keep-alive HTTP/1.1 server in another process (a
canned answer, so the server costs the same for every client). Sequential
requests are what concurrency 1 looks like from the router: the client's own
CPU per request adds straight to the router's latency. Run on uvloop, as
`supergraph serve` runs.
"""

from __future__ import annotations

import argparse
import socket
import subprocess
import sys
import time
from collections.abc import Sequence

import uvloop

from supergraph.executor.http1_transport import Http1Transport
from supergraph.executor.http_transport import HttpTransport
from supergraph.executor.httpx_transport import HttpxTransport
from supergraph.executor.transport import SubgraphRequest, SubgraphTransport

REQUEST = SubgraphRequest(
    "query($first: Int) { topProducts(first: $first) { __typename upc } }", {"first": 2}
)

SERVER = r"""
import asyncio, sys, uvloop
BODY = b'{"data":{"topProducts":[{"__typename":"Product","upc":"1"},{"__typename":"Product","upc":"2"}]}}'
ANSWER = b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: %d\r\n\r\n%s" % (len(BODY), BODY)

class Canned(asyncio.Protocol):
    def connection_made(self, transport):
        self.transport, self.buffer = transport, b""

    def data_received(self, data):
        self.buffer += data
        while (end := self.buffer.find(b"\r\n\r\n")) >= 0:
            head = self.buffer[:end].lower()
            start = head.find(b"content-length:")
            length = int(head[start + 15:].split(b"\r\n", 1)[0]) if start >= 0 else 0
            if len(self.buffer) < end + 4 + length:
                return
            self.buffer = self.buffer[end + 4 + length:]
            self.transport.write(ANSWER)

async def main():
    server = await asyncio.get_running_loop().create_server(Canned, "127.0.0.1", int(sys.argv[1]))
    print("ready", flush=True)
    await server.serve_forever()

uvloop.run(main())
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


async def _measure(transport: SubgraphTransport, requests: int) -> tuple[float, float]:
    try:
        for _ in range(min(500, requests)):
            await transport.send("a", REQUEST)
        cpu, wall = time.process_time(), time.perf_counter()
        for _ in range(requests):
            answer = await transport.send("a", REQUEST)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        assert answer["data"]["topProducts"][1]["upc"] == "2", answer
        return wall / requests * 1e6, cpu / requests * 1e6
    finally:
        await transport.aclose()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.clients", description=__doc__)
    parser.add_argument("--requests", type=int, default=5000)
    args = parser.parse_args(argv)
    port = _free_port()
    with subprocess.Popen(
        [sys.executable, "-c", SERVER, str(port)], stdout=subprocess.PIPE, text=True
    ) as server:
        try:
            _compare(server, port, args.requests)
        finally:
            server.terminate()
    return 0


def _compare(server: subprocess.Popen[str], port: int, requests: int) -> None:
    assert server.stdout is not None and server.stdout.readline().strip() == "ready"
    urls = {"a": f"http://127.0.0.1:{port}/graphql"}
    print("| client | wall us/request | CPU us/request |\n|---|---:|---:|")
    for name, transport in (
        ("http1 (Http1Transport)", Http1Transport(urls)),
        ("aiohttp (HttpTransport)", HttpTransport(urls)),
        ("httpx (HttpxTransport)", HttpxTransport(urls)),
    ):
        wall, cpu = uvloop.run(_measure(transport, requests))
        print(f"| {name} | {wall:.1f} | {cpu:.1f} |", flush=True)


if __name__ == "__main__":
    sys.exit(main())
