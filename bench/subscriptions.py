"""Many concurrent subscriptions on one router process: memory per subscription and
event latency.

    .venv/bin/python -m bench.subscriptions [--subscriptions 1000] [--rate 100] [--seconds 20]

Starts three Strawberry subgraphs in this process (orders owns
`Subscription.orderStatusChanged(orderId)`, products and accounts complete each
event through entity fetches, as tests/subscriptions does) and our router as its
own process (`supergraph serve`, default settings but `max_connections`), then
opens N graphql-transport-ws connections to the router, one subscription each on
its own order (so the router holds N client sockets and N upstream sockets), and
publishes `--rate` status changes per second in total, round-robin over the
orders. Each status carries the time it was published, so a client's receipt
gives the latency publish -> subgraph -> router (upstream socket, two entity
fetches, shaping) -> client. Prints the router's resident set size before and
after the subscriptions open (the difference over N: memory per subscription),
and the latency p50/p99/max.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncGenerator
from contextlib import AsyncExitStack, suppress
from pathlib import Path
from typing import Any

import strawberry
import websockets

from bench.served_router import served_router
from supergraph.compose import SubgraphSource, compose
from tests.http.loopback import serve
from tests.subscriptions.stack import sdl_of, subgraph_app
from tests.subscriptions.stubs import accounts_schema, products_schema

QUERY = """subscription ($id: ID!) {
  orderStatusChanged(orderId: $id) { status product { name inStock } user { name } }
}"""


PROBLEMS: list[Any] = []
"""Messages that were not events (errors): shown when the subscriptions do not open."""


class Orders:
    """One queue per subscribed order: a publish wakes exactly its subscriber."""

    def __init__(self) -> None:
        self.queues: dict[str, asyncio.Queue[str]] = {}


@strawberry.federation.type(keys=["upc"])
class Product:
    upc: strawberry.ID


@strawberry.federation.type(keys=["id"])
class User:
    id: strawberry.ID


@strawberry.federation.type(keys=["id"])
class Order:
    id: strawberry.ID
    status: str
    product: Product
    user: User


def order(order_id: str, status: str) -> Order:
    return Order(
        id=strawberry.ID(order_id),
        status=status,
        product=Product(upc=strawberry.ID("p1")),
        user=User(id=strawberry.ID("u1")),
    )


def orders_schema(orders: Orders) -> strawberry.federation.Schema:
    @strawberry.type
    class Query:
        @strawberry.field
        def order(self, id: strawberry.ID) -> Order | None:
            return None

    @strawberry.type
    class Subscription:
        @strawberry.subscription
        async def order_status_changed(
            self, order_id: strawberry.ID
        ) -> AsyncGenerator[Order, None]:
            queue = orders.queues.setdefault(order_id, asyncio.Queue())
            yield order(order_id, "NOW")
            while True:
                yield order(order_id, await queue.get())

    return strawberry.federation.Schema(query=Query, subscription=Subscription, types=[Order])


def rss_mb(pid: int) -> float:
    """The process's resident set size, MB (Linux)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


async def run(count: int, rate: float, seconds: float) -> dict[str, Any]:
    orders = Orders()
    latencies: list[float] = []
    async with AsyncExitStack() as exits:
        sources = []
        for name, schema in (
            ("orders", orders_schema(orders)),
            ("products", products_schema()),
            ("accounts", accounts_schema()),
        ):
            url = await exits.enter_async_context(serve(subgraph_app(schema)))
            sources.append(SubgraphSource(name, f"{url}/graphql", sdl_of(schema)))
        sdl = compose(sources).supergraph_sdl
        assert sdl is not None
        folder = Path(tempfile.mkdtemp(prefix="bench-subscriptions-"))
        print(f"router log: {folder / 'router.log'}", file=sys.stderr)
        (folder / "supergraph.graphql").write_text(sdl)
        (folder / "router.yaml").write_text(
            "server:\n  http:\n    max_connections: 8192\n"
            f"subscription:\n  max_opened_subscriptions: {count * 2}\n"
        )
        base, router_pid = await served_router(
            exits, folder, "--config", str(folder / "router.yaml")
        )
        ws_url = base.replace("http://", "ws://", 1) + "/graphql"
        # A first subscription warms the router (plan cached, pools open) before measuring.
        warm = await exits.enter_async_context(_subscriber(ws_url, "warm", latencies, False))
        del warm
        await asyncio.sleep(1)
        before = rss_mb(router_pid)
        opened = asyncio.Event()
        ready = [0]

        def one_ready() -> None:
            ready[0] += 1
            if ready[0] == count:
                opened.set()

        for index in range(count):
            await exits.enter_async_context(
                _subscriber(ws_url, str(index), latencies, True, one_ready)
            )
        try:
            await asyncio.wait_for(opened.wait(), 300)
        except TimeoutError:
            raise RuntimeError(
                f"{ready[0]} of {count} subscriptions opened; {PROBLEMS[:3]}"
            ) from None
        await asyncio.sleep(1)
        after = rss_mb(router_pid)
        latencies.clear()
        published = 0
        started = time.perf_counter()
        while time.perf_counter() - started < seconds:
            order_id = str(published % count)
            orders.queues[order_id].put_nowait(f"T{time.perf_counter()}")
            published += 1
            await asyncio.sleep(max(0.0, started + published / rate - time.perf_counter()))
        await asyncio.sleep(2)
        peak = rss_mb(router_pid)
    ms = sorted(latency * 1000 for latency in latencies)
    return {
        "subscriptions": count,
        "rate": rate,
        "published": published,
        "received": len(ms),
        "rss_before_mb": round(before, 1),
        "rss_after_mb": round(after, 1),
        "rss_end_mb": round(peak, 1),
        "kb_per_subscription": round((after - before) * 1024 / count, 1),
        "latency_ms_p50": round(statistics.median(ms), 2) if ms else None,
        "latency_ms_p99": round(ms[int(len(ms) * 0.99) - 1], 2) if ms else None,
        "latency_ms_max": round(ms[-1], 2) if ms else None,
    }


class _subscriber:
    """One connection with one subscription; records each event's latency."""

    def __init__(
        self,
        url: str,
        order_id: str,
        latencies: list[float],
        record: bool,
        on_ready: Any = None,
    ) -> None:
        self.url = url
        self.order_id = order_id
        self.latencies = latencies
        self.record = record
        self.on_ready = on_ready
        self.task: asyncio.Task[None] | None = None
        self.first = asyncio.Event()

    async def __aenter__(self) -> _subscriber:
        self.task = asyncio.create_task(self._run())
        return self

    async def __aexit__(self, *_: object) -> None:
        assert self.task is not None
        self.task.cancel()
        with suppress(asyncio.CancelledError, Exception):
            await self.task

    async def _run(self) -> None:
        async with websockets.connect(
            self.url,
            subprotocols=["graphql-transport-ws"],  # type: ignore[list-item]
            ping_interval=None,
            max_queue=None,
        ) as socket:
            await socket.send('{"type":"connection_init"}')
            await socket.recv()
            payload = {"query": QUERY, "variables": {"id": self.order_id}}
            await socket.send(json.dumps({"id": "1", "type": "subscribe", "payload": payload}))
            async for raw in socket:
                message = json.loads(raw)
                if message["type"] == "ping":
                    await socket.send('{"type":"pong"}')
                    continue
                if message["type"] != "next" or "errors" in message["payload"]:
                    PROBLEMS.append(message)
                    continue
                status = message["payload"]["data"]["orderStatusChanged"]["status"]
                if status == "NOW":
                    if self.on_ready is not None:
                        self.on_ready()
                elif self.record:
                    self.latencies.append(time.perf_counter() - float(status[1:]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--subscriptions", type=int, default=1000)
    parser.add_argument("--rate", type=float, default=100.0, help="events per second, in total")
    parser.add_argument("--seconds", type=float, default=20.0)
    args = parser.parse_args()
    result = asyncio.run(run(args.subscriptions, args.rate, args.seconds))
    print(json.dumps(result, indent=2), flush=True)


if __name__ == "__main__":
    main()
