"""Fast stub subgraphs: replay recorded responses by request body, so the router is the bottleneck.

    python -m bench.stub --listen accounts=PORT=UPSTREAM_URL [--listen ...]

One process (uvloop when available) serves every stub port with a hand-written
HTTP/1.1 keep-alive handler. A `POST /graphql` whose exact body bytes were seen
before gets the recorded response (prebuilt bytes, one dict lookup). A body never
seen before is forwarded once to the upstream (the real subgraph) and recorded:
the benchmark's correctness check sends every operation through every gateway
first, which records each gateway's own subgraph requests, so the measured runs
replay only. `GET /metrics` (Prometheus text) counts requests and misses per
stub, `GET /health` answers UP. Ready: one line `STUB READY` on stdout.

Scripted answers (the hostile benchmark's misbehaving subgraphs, bench/hostile_why.py):
`PUT /stub/rules` on any stub port with a JSON list of rules, each
`{"subgraph": NAME, "match": TEXT, "status": 200, "body": TEXT, "pad_bytes": N,
"item": TEXT, "items": N}`, replaces the rules of every stub. A POST to that
subgraph whose body contains `match` (bytes, "" for any) gets `body` instead of
its recording, with `@PAD@` replaced by `pad_bytes` bytes of "x" and `@ITEMS@` by
`items` copies of `item` joined by commas (e.g. a 300 MB answer: one string, or
a list of objects); the first matching rule wins, nothing is recorded or
forwarded. An empty list restores replaying.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import json
import signal
import sys
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import cast

FORWARDED_HEADERS = ("content-type", "accept", "x-user-id", "authorization")
PAD_MARKER = "@PAD@"
ITEMS_MARKER = "@ITEMS@"


@dataclass
class Stub:
    name: str
    port: int
    upstream: str
    table: dict[bytes, bytes] = field(default_factory=dict)
    requests: int = 0
    misses: int = 0


@dataclass(frozen=True, slots=True)
class Rule:
    """A scripted answer: POSTs to `subgraph` whose body contains `match` get `response`."""

    subgraph: str
    match: bytes
    response: bytes

    @classmethod
    def parse(cls, spec: dict[str, object]) -> Rule:
        body = str(spec["body"]).encode()
        pad = int(str(spec.get("pad_bytes", 0)))
        items = int(str(spec.get("items", 0)))
        data = body.replace(PAD_MARKER.encode(), b"x" * pad)
        if items:
            item = str(spec["item"]).encode()
            data = data.replace(ITEMS_MARKER.encode(), b",".join([item] * items))
        status = int(str(spec.get("status", 200)))
        return cls(
            str(spec["subgraph"]),
            str(spec.get("match", "")).encode(),
            _response(status, "application/json", data),
        )


RULES: list[Rule] = []


def _scripted(stub: Stub, body: bytes) -> bytes | None:
    for rule in RULES:
        if rule.subgraph == stub.name and rule.match in body:
            return rule.response
    return None


def _set_rules(body: bytes) -> bytes:
    specs = json.loads(body)
    if not isinstance(specs, list):
        return _response(400, "text/plain", b"a JSON list of rules")
    RULES[:] = [Rule.parse(spec) for spec in specs]
    return _response(200, "application/json", json.dumps({"rules": len(RULES)}).encode())


def _response(status: int, content_type: str, body: bytes) -> bytes:
    reason = {200: "OK", 404: "Not Found", 400: "Bad Request"}.get(status, "Status")
    head = (
        f"HTTP/1.1 {status} {reason}\r\ncontent-type: {content_type}\r\n"
        f"content-length: {len(body)}\r\n\r\n"
    )
    return head.encode("latin-1") + body


def _forward(stub: Stub, body: bytes, headers: dict[str, str]) -> bytes:
    """Ask the real subgraph once (blocking, in a thread) and build the replay bytes."""
    request = urllib.request.Request(stub.upstream, data=body, method="POST")
    for name in FORWARDED_HEADERS:
        if name in headers:
            request.add_header(name, headers[name])
    try:
        with urllib.request.urlopen(request, timeout=60) as reply:
            status, content_type, data = (
                reply.status,
                reply.headers.get("content-type", "application/json"),
                reply.read(),
            )
    except urllib.error.HTTPError as error:
        status = error.code
        content_type = error.headers.get("content-type", "application/json")
        data = error.read()
    return _response(status, content_type, data)


class StubProtocol(asyncio.Protocol):
    def __init__(self, stub: Stub) -> None:
        self.stub = stub
        self.buffer = b""
        self.transport: asyncio.Transport | None = None
        self.busy = False
        self.pending: asyncio.Future[None] | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's is no subclass

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        if not self.busy:
            self._drain()

    def _drain(self) -> None:
        while self.transport is not None and not self.transport.is_closing():
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            head = self.buffer[:end].decode("latin-1").split("\r\n")
            headers = {}
            for line in head[1:]:
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
            start = end + 4
            if headers.get("transfer-encoding", "").lower() == "chunked":
                parsed = _dechunk(self.buffer, start)
                if parsed is None:
                    return
                body, consumed = parsed
            else:
                length = int(headers.get("content-length", "0") or 0)
                if len(self.buffer) - start < length:
                    return
                body, consumed = self.buffer[start : start + length], start + length
            self.buffer = self.buffer[consumed:]
            method, _, rest = head[0].partition(" ")
            path = rest.partition(" ")[0]
            if not self._answer(method, path, body, headers):
                return

    def _answer(self, method: str, path: str, body: bytes, headers: dict[str, str]) -> bool:
        """Write the response; False when it is being fetched upstream (resume later)."""
        assert self.transport is not None
        stub = self.stub
        if method == "POST":
            stub.requests += 1
            scripted = _scripted(stub, body) if RULES else None
            if scripted is not None:
                self.transport.write(scripted)
                return True
            cached = stub.table.get(body)
            if cached is not None:
                self.transport.write(cached)
                return True
            stub.misses += 1
            self.busy = True
            self.pending = asyncio.ensure_future(self._record(body, headers))
            return False
        if method == "PUT" and path.startswith("/stub/rules"):
            self.transport.write(_set_rules(body))
        elif path.startswith("/health"):
            self.transport.write(_response(200, "application/json", b'{"status":"UP"}'))
        elif path.startswith("/metrics"):
            self.transport.write(_response(200, "text/plain", metrics(STUBS).encode()))
        else:
            self.transport.write(_response(404, "text/plain", b"not found"))
        return True

    async def _record(self, body: bytes, headers: dict[str, str]) -> None:
        response = await asyncio.to_thread(_forward, self.stub, body, headers)
        if response.startswith(b"HTTP/1.1 200"):
            self.stub.table[body] = response
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(response)
        self.busy = False
        self._drain()


def _dechunk(buffer: bytes, start: int) -> tuple[bytes, int] | None:
    body = b""
    position = start
    while True:
        line_end = buffer.find(b"\r\n", position)
        if line_end < 0:
            return None
        size = int(buffer[position:line_end].split(b";")[0], 16)
        chunk_start = line_end + 2
        if len(buffer) < chunk_start + size + 2:
            return None
        if size == 0:
            return body, chunk_start + 2
        body += buffer[chunk_start : chunk_start + size]
        position = chunk_start + size + 2


STUBS: list[Stub] = []


def metrics(stubs: Sequence[Stub]) -> str:
    lines = ["# TYPE stub_requests_total counter"]
    lines += [f'stub_requests_total{{subgraph="{s.name}"}} {s.requests}' for s in stubs]
    lines.append("# TYPE stub_misses_total counter")
    lines += [f'stub_misses_total{{subgraph="{s.name}"}} {s.misses}' for s in stubs]
    lines.append("# TYPE stub_recorded_bodies gauge")
    lines += [f'stub_recorded_bodies{{subgraph="{s.name}"}} {len(s.table)}' for s in stubs]
    return "\n".join(lines) + "\n"


def parse_listen(value: str) -> Stub:
    name, port, upstream = value.split("=", 2)
    return Stub(name=name, port=int(port), upstream=upstream)


async def serve(stubs: Sequence[Stub]) -> None:
    loop = asyncio.get_running_loop()
    servers = []
    for stub in stubs:
        factory = functools.partial(StubProtocol, stub)
        servers.append(await loop.create_server(factory, "127.0.0.1", stub.port, backlog=1024))
    print("STUB READY", flush=True)
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    for server in servers:
        server.close()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.stub", description=__doc__)
    parser.add_argument("--listen", action="append", type=parse_listen, required=True)
    args = parser.parse_args(argv)
    STUBS.extend(args.listen)
    with contextlib.suppress(ImportError):
        import uvloop

        uvloop.install()
    asyncio.run(serve(STUBS))
    return 0


if __name__ == "__main__":
    sys.exit(main())
