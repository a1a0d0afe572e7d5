"""What tracing costs a request: CPU per request through the HTTP edge's ASGI app and the
Router, tracing off and on at sampling ratios 0, 1% and 100%, interleaved rounds.

    python -m bench.tracing_overhead [--requests 5000] [--rounds 5]

In process: the endpoint is called as uvicorn calls it (an ASGI scope, the body
from `receive`), the plan's two fetches (products, then reviews' entities) go to
a mock transport behind the tracing transport, as the served router stacks them.
The spans go to a real BatchSpanProcessor whose exporter encodes each batch to
OTLP protobuf and drops it: the export thread's CPU is counted (process time
covers every thread), the network is not. The plan and document are cached, as
for any repeated operation.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import statistics
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import orjson
from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult

from supergraph.executor.mock_transport import MockTransport
from supergraph.executor.request_id_transport import with_request_ids
from supergraph.executor.tracing_transport import with_tracing
from supergraph.executor.transport import SubgraphTransport
from supergraph.http import logs
from supergraph.http.app import create_app
from supergraph.http.config import RouterConfig
from supergraph.http.logs import JsonFormatter
from supergraph.pipeline.options import RouterOptions
from supergraph.pipeline.router import Router
from supergraph.schema import load_supergraph
from supergraph.telemetry import setup, tracing
from supergraph.telemetry.settings import TracingSettings
from supergraph.types import JSONObject
from tests.executor.supergraph_fixture import SUPERGRAPH_SDL

QUERY = "query Top { topProducts(first: 5) { upc name reviews { body } } }"
PRODUCTS = [{"__typename": "Product", "upc": str(i), "name": f"p{i}"} for i in range(5)]
BODY = orjson.dumps({"query": QUERY, "operationName": "Top"})
SCOPE: dict[str, Any] = {
    "type": "http",
    "http_version": "1.1",
    "method": "POST",
    "scheme": "http",
    "path": "/graphql",
    "raw_path": b"/graphql",
    "query_string": b"",
    "root_path": "",
    "server": ("127.0.0.1", 4000),
    "client": ("127.0.0.1", 50000),
    "headers": [
        (b"content-type", b"application/json"),
        (b"accept", b"application/json"),
        (b"content-length", str(len(BODY)).encode()),
    ],
}


class EncodingExporter(SpanExporter):
    """Encodes each batch as the OTLP exporters do, then drops it (no network)."""

    def __init__(self) -> None:
        self.spans = 0

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        encode_spans(spans).SerializeToString()
        self.spans += len(spans)
        return SpanExportResult.SUCCESS

    def shutdown(self) -> None:
        return None


def _answer(subgraph: str, _request: object) -> JSONObject:
    if subgraph == "products":
        return {"data": {"topProducts": PRODUCTS}}
    return {"data": {"_entities": [{"reviews": [{"body": "ok"}]} for _ in PRODUCTS]}}


def _app(traced: bool) -> Any:
    transport: SubgraphTransport = with_request_ids(MockTransport(_answer))
    if traced:
        transport = with_tracing(transport, {"products": "http://p/", "reviews": "http://r/"})
    supergraph = load_supergraph(SUPERGRAPH_SDL)
    router = Router(supergraph, transport, RouterOptions(compute_jobs=False))
    return create_app(router, config=RouterConfig())


async def _request(app: Any) -> int:
    status = 0

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": BODY, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]

    await app(dict(SCOPE), receive, send)
    return status


async def _per_request(app: Any, requests: int) -> float:
    assert await _request(app) == 200
    start = time.process_time()
    for _ in range(requests):
        await _request(app)
    return (time.process_time() - start) / requests * 1e6


@contextmanager
def _access_log(direct: bool = True) -> Iterator[None]:
    """The access log line of each request, as JSON, written to /dev/null: through the
    handler `supergraph serve` installs (`logs.configure`: the direct path), or with
    `direct=False` through `logging`'s record and handler chain (what any other handler,
    e.g. a test's, gets; what every line cost before the direct path)."""
    root = logging.getLogger()
    saved = list(root.handlers), root.level
    with open(os.devnull, "w") as sink:
        logs.configure("json", {}, stream=sink)
        extra = logging.StreamHandler(sink)
        extra.setFormatter(JsonFormatter())
        if not direct:
            root.handlers = [extra]  # not configure's own handler: the logging path
        try:
            yield
        finally:
            root.handlers = saved[0]
            root.setLevel(saved[1])  # (clears the loggers' cached levels too)
            logs._installed = None


def _use(ratio: float | None, exporter: EncodingExporter) -> None:
    setup.shutdown()
    if ratio is None:
        return
    settings = TracingSettings(enabled=True, sampler=ratio, parent_based=True, scheduled_delay=0.2)
    provider = setup.build_provider(settings, exporter)
    tracing.configure(provider.get_tracer(setup.INSTRUMENTATION))


async def main(requests: int, rounds: int) -> None:
    plain, traced = _app(False), _app(True)
    exporter = EncodingExporter()
    cases: dict[str, tuple[Any, float | None]] = {
        "tracing off": (plain, None),
        "tracing 0%": (traced, 0.0),
        "tracing 1%": (traced, 0.01),
        "tracing 100%": (traced, 1.0),
    }
    times: dict[str, list[float]] = {name: [] for name in cases}
    times["off, access log on"] = []
    times["off, log via logging"] = []
    for _ in range(rounds):
        for name, (app, ratio) in cases.items():
            _use(ratio, exporter)
            times[name].append(await _per_request(app, requests))
        _use(None, exporter)
        with _access_log():
            times["off, access log on"].append(await _per_request(plain, requests))
        with _access_log(direct=False):
            times["off, log via logging"].append(await _per_request(plain, requests))
    setup.shutdown()
    base = statistics.median(times["tracing off"])
    for name, values in times.items():
        median = statistics.median(values)
        print(
            f"{name:>18}: median {median:6.1f} us/request (best {min(values):6.1f},"
            f" +{median - base:5.1f} us over off; {rounds} rounds x {requests})"
        )
    print(f"spans encoded: {exporter.spans}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    asyncio.run(main(args.requests, args.rounds))
