"""Misbehaving subgraphs on loopback: real GraphQL answers that a test then corrupts.

    subgraph = ScriptedSubgraph(PRODUCTS)          # a scenario `Subgraph` (SDL + resolvers)
    subgraph.start()
    subgraph.tamper = lambda request, body: ...   # rewrite the JSON answer, or return
                                                  # bytes or a `Stream` to send instead
    subgraph.last                                  # what the last answer cost: bytes written
                                                  # and whether the peer hung up first

Each subgraph is a plain asyncio HTTP/1.1 server in a thread of its own (keep-alive,
`content-length` request bodies): a scripted server sees exactly what the router
reads, byte by byte, which uvicorn would hide behind its buffers. It executes the
scenario subgraph with graphql-core (`tests.kit.subgraph_server`), so an
untampered answer is a correct one; `tamper` changes only what a test is about.

`python -m tests.hostile.misbehaving [--tree DIR]` runs the cases of
tests/hostile/test_subgraph_answers.py against `supergraph serve` from the source
tree DIR (default: this one) and prints what the client got, with the router's
peak and held RSS for a 300 MB answer: the before/after numbers of issue 12.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import orjson
from graphql import graphql

from supergraph.compose import SubgraphSource, compose
from tests.e2e.system import free_port
from tests.kit.scenario import Subgraph
from tests.kit.subgraph_server import build_subgraph_schema

LINK = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])\n'

CATALOG: list[dict[str, Any]] = [
    {"upc": "1", "name": "Tent"},
    {"upc": "2", "name": "Stove"},
    {"upc": "3", "name": "Lamp"},
]
STOCK: dict[str, dict[str, Any]] = {
    "1": {
        "inStock": True,
        "maybeInStock": True,
        "count": 5,
        "weight": 2.5,
        "sku": "T-1",
        "label": "tent",
        "tier": "GOLD",
        "extra": {"any": ["json"]},
        "tags": ["camp", "outdoor"],
        "counts": [1, 2],
    },
    "2": {
        "inStock": False,
        "maybeInStock": None,
        "count": 0,
        "weight": 1.0,
        "sku": "S-2",
        "label": "stove",
        "tier": "SILVER",
        "extra": 7,
        "tags": [],
        "counts": [],
    },
    "3": {
        "inStock": True,
        "maybeInStock": False,
        "count": 12,
        "weight": 0.25,
        "sku": "L-3",
        "label": "lamp",
        "tier": "GOLD",
        "extra": None,
        "tags": ["home"],
        "counts": [3],
    },
}

PRODUCTS = Subgraph(
    name="products",
    sdl=LINK
    + """
type Query {
  products: [Product!]!
  product(upc: String!): Product
  topProduct: Product!
  slogan: String
}
type Product @key(fields: "upc") {
  upc: String!
  name: String!
}
""",
    resolvers={
        "Query": {
            "products": lambda _o, _i: CATALOG,
            "product": lambda _o, _i, upc: next((p for p in CATALOG if p["upc"] == upc), None),
            "topProduct": lambda _o, _i: CATALOG[0],
            "slogan": lambda _o, _i: "camp well",
        }
    },
    references={"Product": lambda rep: next((p for p in CATALOG if p["upc"] == rep["upc"]), None)},
)

INVENTORY = Subgraph(
    name="inventory",
    sdl=LINK
    + """
scalar JSON
enum Tier { GOLD SILVER }
type Product @key(fields: "upc") {
  upc: String!
  inStock: Boolean!
  maybeInStock: Boolean
  count: Int
  weight: Float
  sku: ID
  label: String
  tier: Tier
  extra: JSON
  tags: [String!]
  counts: [Int]
}
""",
    references={
        "Product": lambda rep: (
            {"upc": rep["upc"], **STOCK[rep["upc"]]} if rep["upc"] in STOCK else None
        )
    },
)


@dataclass(frozen=True, slots=True)
class Stream:
    """A large answer sent in `chunk`-byte pieces: `prefix`, filler bytes, `suffix`."""

    total: int
    chunked: bool = True
    """Transfer-Encoding: chunked (no length up front); else a content-length header."""
    chunk: int = 1 << 20
    prefix: bytes = b'{"data":{"slogan":"'
    suffix: bytes = b'"}}'


Tamper = Callable[[dict[str, Any], dict[str, Any]], "dict[str, Any] | bytes | Stream"]


@dataclass(slots=True)
class Sent:
    """What one answer cost the subgraph."""

    written: int = 0
    """Bytes the kernel accepted from the server (an upper bound of what the peer read)."""
    hung_up: bool = False
    """The peer closed the connection before the whole answer was written."""


@dataclass
class ScriptedSubgraph:
    """One scenario subgraph over a scripted HTTP/1.1 server on a free loopback port."""

    subgraph: Subgraph
    tamper: Tamper | None = None
    gzip: bool = False
    """Send `bytes` answers with `content-encoding: gzip` (the tamper compressed them)."""
    requests: list[dict[str, Any]] = field(default_factory=list)
    last: Sent = field(default_factory=Sent)
    port: int = 0
    _loop: asyncio.AbstractEventLoop | None = None
    _thread: threading.Thread | None = None
    _server: asyncio.Server | None = None

    def __post_init__(self) -> None:
        self.schema = build_subgraph_schema(self.subgraph)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/graphql"

    def start(self) -> None:
        ready = threading.Event()
        self.port = free_port()

        async def serve() -> None:
            self._server = await asyncio.start_server(self._connection, "127.0.0.1", self.port)
            ready.set()
            async with self._server:
                await self._server.serve_forever()

        def run() -> None:
            self._loop = asyncio.new_event_loop()
            with contextlib.suppress(asyncio.CancelledError):
                self._loop.run_until_complete(serve())
            self._loop.close()

        self._thread = threading.Thread(target=run, name=f"scripted-{self.subgraph.name}")
        self._thread.daemon = True
        self._thread.start()
        if not ready.wait(10):
            raise RuntimeError(f"scripted subgraph {self.subgraph.name} did not start")

    def stop(self) -> None:
        loop, server = self._loop, self._server
        if loop is not None and server is not None and not loop.is_closed():
            # Once the server closes, its thread may finish and close the loop while
            # the tasks are being cancelled here (seen in CI): then nothing is left to stop.
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(server.close)
                for task in asyncio.all_tasks(loop):
                    loop.call_soon_threadsafe(task.cancel)
        if self._thread is not None:
            self._thread.join(10)

    @contextlib.contextmanager
    def tampering(self, tamper: Tamper) -> Iterator[ScriptedSubgraph]:
        """`tamper` for the answers inside the block only."""
        self.tamper = tamper
        try:
            yield self
        finally:
            self.tamper = None

    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = 0
                for line in head.split(b"\r\n")[1:]:
                    name, _, value = line.partition(b":")
                    if name.strip().lower() == b"content-length":
                        length = int(value)
                request = orjson.loads(await reader.readexactly(length))
                self.requests.append(request)
                await self._answer(request, writer)
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    async def _answer(self, request: dict[str, Any], writer: asyncio.StreamWriter) -> None:
        result = await graphql(
            self.schema, request["query"], variable_values=request.get("variables")
        )
        answer: dict[str, Any] | bytes | Stream = result.formatted
        if self.tamper is not None:
            answer = self.tamper(request, result.formatted)
        sent = self.last = Sent()
        if isinstance(answer, Stream):
            await _stream(answer, writer, sent)
            return
        body = answer if isinstance(answer, bytes) else orjson.dumps(answer)
        encoding = b"content-encoding: gzip\r\n" if self.gzip and isinstance(answer, bytes) else b""
        head = b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n%scontent-length: %d\r\n\r\n"
        writer.write(head % (encoding, len(body)) + body)
        await writer.drain()
        sent.written = len(body)


async def _stream(answer: Stream, writer: asyncio.StreamWriter, sent: Sent) -> None:
    chunked = answer.chunked
    framing = (
        b"transfer-encoding: chunked"
        if chunked
        else b"content-length: %d" % (len(answer.prefix) + answer.total + len(answer.suffix))
    )
    writer.write(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n" + framing + b"\r\n\r\n")
    filler = b"x" * answer.chunk
    try:
        await _send(writer, answer.prefix, chunked, sent)
        left = answer.total
        while left > 0:
            piece = filler if left >= len(filler) else filler[:left]
            left -= len(piece)
            await _send(writer, piece, chunked, sent)
        await _send(writer, answer.suffix, chunked, sent)
        if chunked:
            writer.write(b"0\r\n\r\n")
            await writer.drain()
    except ConnectionError:
        sent.hung_up = True
        raise


async def _send(writer: asyncio.StreamWriter, piece: bytes, chunked: bool, sent: Sent) -> None:
    writer.write(b"%x\r\n%s\r\n" % (len(piece), piece) if chunked else piece)
    await writer.drain()
    sent.written += len(piece)


def supergraph_sdl(subgraphs: list[ScriptedSubgraph]) -> str:
    """Compose the running subgraphs (their SDLs, their URLs) with the router's composer."""
    sources = [SubgraphSource(s.subgraph.name, s.url, s.subgraph.sdl) for s in subgraphs]
    result = compose(sources)
    assert result.supergraph_sdl is not None, [e.message for e in result.errors]
    return result.supergraph_sdl


# -- the cases, for the before/after report (`python -m tests.hostile.misbehaving`) ---------

INVENTORY_QUERY = "{ products { upc inStock } }"


def entity(field_name: str, value: object, index: int = 0) -> Tamper:
    """Set `field_name` of `_entities[index]` to `value`."""

    def tamper(_request: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
        body["data"]["_entities"][index][field_name] = value
        return body

    return tamper


def entities(replace: Callable[[list[Any]], object]) -> Tamper:
    """Replace the `_entities` list with `replace(list)`."""

    def tamper(_request: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
        body["data"]["_entities"] = replace(body["data"]["_entities"])
        return body

    return tamper


CASES: list[tuple[str, str, Tamper]] = [
    ('inStock: "yes" (Boolean!)', INVENTORY_QUERY, entity("inStock", "yes")),
    ("inStock: 5 (Boolean!)", INVENTORY_QUERY, entity("inStock", 5)),
    ('inStock: {"x": 1} (Boolean!)', INVENTORY_QUERY, entity("inStock", {"x": 1})),
    ("_entities one short", INVENTORY_QUERY, entities(lambda items: items[:-1])),
    ("_entities one too many", INVENTORY_QUERY, entities(lambda items: [*items, items[0]])),
    ("_entities holds a null", INVENTORY_QUERY, entities(lambda items: [None, *items[1:]])),
    ("_entities is not a list", INVENTORY_QUERY, entities(lambda _items: {"oops": True})),
    ("_entities item is a number", INVENTORY_QUERY, entities(lambda items: [7, *items[1:]])),
]


def _rss(pid: int) -> dict[str, int]:
    """VmHWM (peak) and VmRSS (now) of a process, in MiB."""
    values: dict[str, int] = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, rest = line.partition(":")
        if name in ("VmHWM", "VmRSS"):
            values[name] = int(rest.split()[0]) // 1024
    return values


def _report(tree: Path) -> None:
    products, inventory = ScriptedSubgraph(PRODUCTS), ScriptedSubgraph(INVENTORY)
    products.start()
    inventory.start()
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="misbehaving-") as workdir:
        path = Path(workdir) / "supergraph.graphql"
        path.write_text(supergraph_sdl([products, inventory]))
        command = Path(sys.executable).with_name("supergraph")
        env = {**os.environ, "PYTHONPATH": str(tree)}
        router = subprocess.Popen(
            [str(command), "serve", "--supergraph", str(path), "--port", str(port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        url = f"http://127.0.0.1:{port}/graphql"
        try:
            with httpx.Client(timeout=120) as client:
                for _ in range(300):
                    with contextlib.suppress(httpx.HTTPError):
                        if client.get(f"http://127.0.0.1:{port}/health").status_code == 200:
                            break
                    time.sleep(0.1)
                for name, query, tamper in CASES:
                    with inventory.tampering(tamper):
                        answer = client.post(url, json={"query": query})
                    print(f"{name}: HTTP {answer.status_code} {answer.text}")
                before = _rss(router.pid)
                with products.tampering(lambda _r, _b: Stream(300_000_000)):
                    answer = client.post(url, json={"query": "{ slogan }"})
                peak = _rss(router.pid)
                time.sleep(2)
                after = _rss(router.pid)
                print(
                    f"300 MB answer: HTTP {answer.status_code} {answer.text[:300]}; "
                    f"subgraph wrote {products.last.written:,} bytes, "
                    f"hung up on: {products.last.hung_up}; router RSS before "
                    f"{before['VmRSS']} MiB, peak {peak['VmHWM']} MiB, held {after['VmRSS']} MiB"
                )
                health = client.post(url, json={"query": "{ products { name } }"})
                print(f"afterwards: HTTP {health.status_code} {health.text}")
        finally:
            router.terminate()
            router.wait(10)
            products.stop()
            inventory.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tree", type=Path, default=Path(__file__).resolve().parents[2])
    _report(parser.parse_args().tree.resolve())


if __name__ == "__main__":
    main()
