"""End-to-end lag of the event flows on the real NATS, SQLite or PostgreSQL.

    .venv/bin/python -m bench.saga --backend sqlite --orders 300 --rate 10
    .venv/bin/python -m bench.saga --backend postgres --orders 300 --rate 10
    .venv/bin/python -m bench.saga --backend sqlite --products 200   # the catalogue window

saga: orders and inventory run their relay and consumers in this process (as the
subgraph apps do with NATS_URL set); `placeOrder` is called `--orders` times,
`--concurrency` at a time. The lag of an order is from the placing transaction
(the order's `placed_at`) to the commit that settles it CONFIRMED or REJECTED
(`recorded_at` of its OrderStatusChanged outbox row): both clocks are this
process's, read from the databases afterwards, so polling adds nothing.

catalogue: products, reviews and orders run; staff creates `--products` products
one after the other; the window of each is from products' commit (`recorded_at`
of ProductCreated) to the commit of reviews' / orders' read-model row (their
`processed_events.processed_at` for that event id).

Own subject prefix and throw-away databases; both are deleted afterwards.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import statistics
import tempfile
import time
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import nats
from sqlalchemy import select

from auth import Claims
from events import EventsConfig, EventTables, Streams
from subgraphs import registry
from subgraphs._common.config import DatabaseConfig
from subgraphs._common.context import SubgraphContext
from subgraphs._common.database import Database
from subgraphs._common.eventing import EventsRuntime
from subgraphs._common.seeding import Scale, product_upc
from subgraphs.orders.models import OrderRow

NATS_URL = os.environ.get("NATS_URL", "nats://127.0.0.1:4222")
POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")


class Running:
    def __init__(self, databases: dict[str, Database], runtimes: dict[str, EventsRuntime]) -> None:
        self.databases = databases
        self.runtimes = runtimes

    async def execute(self, name: str, query: str, variables: dict[str, Any], **who: Any) -> Any:
        async with self.databases[name].request_session() as db:
            context = SubgraphContext.create(db, **who)
            context.events_enabled = True
            result = (
                await registry.get(name)
                .load()
                .schema.execute(query, variable_values=variables, context_value=context)
            )
        if result.errors:
            raise RuntimeError(result.errors)
        return result.data


@asynccontextmanager
async def running(backend: str, names: Sequence[str], scale: Scale) -> AsyncIterator[Running]:
    prefix = f"b{secrets.token_hex(4)}"
    streams = Streams(prefix=prefix)
    config = EventsConfig(servers=(NATS_URL,), streams=streams)
    databases: dict[str, Database] = {}
    runtimes: dict[str, EventsRuntime] = {}
    with tempfile.TemporaryDirectory() as folder:
        try:
            for name in names:
                if backend == "sqlite":
                    db_config = DatabaseConfig.sqlite(Path(folder) / f"{name}.sqlite3")
                else:
                    db_config = DatabaseConfig.postgres(POSTGRES_URL, f"{prefix}_{name}")
                domain = registry.get(name).load()
                databases[name] = Database(name, db_config)
                await databases[name].prepare(domain, seed_scale=scale)
                assert domain.events is not None
                runtimes[name] = EventsRuntime(name, domain.events, config, databases[name].engine)
                await runtimes[name].start()
            yield Running(databases, runtimes)
        finally:
            for runtime in runtimes.values():
                await runtime.stop()
            nc = await nats.connect(NATS_URL)
            await streams.delete(nc.jetstream(), *names)
            await nc.close()
            for database in databases.values():
                if database.config.schema:
                    await database.reset()
                await database.dispose()


def percentiles(values: list[float]) -> str:
    ordered = sorted(values)
    cuts = statistics.quantiles(ordered, n=100, method="inclusive")
    return (
        f"p50 {cuts[49] * 1000:.0f} ms, p99 {cuts[98] * 1000:.0f} ms, "
        f"max {ordered[-1] * 1000:.0f} ms (n={len(values)})"
    )


PLACE = "mutation($i: PlaceOrderInput!) { placeOrder(input: $i) { id } }"


async def saga(backend: str, orders: int, concurrency: int, rate: float) -> None:
    # Scale 2: 20 products; mostly small orders so that most are CONFIRMED.
    async with running(backend, ["orders", "inventory"], Scale(2)) as system:
        gate = asyncio.Semaphore(concurrency)

        async def place(i: int) -> int:
            items = [{"productUpc": product_upc(1 + i % 20), "quantity": 1}]
            if rate:  # an offered load below capacity: lag, not queueing
                await asyncio.sleep(i / rate)
            async with gate:
                data = await system.execute(
                    "orders",
                    PLACE,
                    {"i": {"idempotencyKey": f"b{i}", "items": items}},
                    user_id=1 + i % 20,
                )
            return int(data["placeOrder"]["id"])

        started = time.perf_counter()
        ids = await asyncio.gather(*(place(i) for i in range(orders)))
        database = system.databases["orders"]
        assert registry.get("orders").load().events is not None
        tables: EventTables = registry.get("orders").load().events.tables  # type: ignore[union-attr]
        settled: dict[int, tuple[str, datetime]] = {}
        while len(settled) < orders:
            async with database.session() as session:
                rows = await session.execute(
                    select(tables.outbox.c.body, tables.outbox.c.recorded_at).where(
                        tables.outbox.c.event_type == "OrderStatusChanged"
                    )
                )
                for body, recorded_at in rows:
                    payload = json.loads(body)["payload"]
                    if payload["status"] in ("CONFIRMED", "REJECTED"):
                        settled[payload["orderId"]] = (payload["status"], recorded_at)
            await asyncio.sleep(0.2)
        elapsed = time.perf_counter() - started
        async with database.session() as session:
            placed = dict(
                (
                    await session.execute(
                        select(OrderRow.id, OrderRow.placed_at).where(OrderRow.id.in_(ids))
                    )
                ).all()
            )
        lags = [(settled[i][1] - placed[i]).total_seconds() for i in ids]
        outcomes = {
            s: sum(1 for v in settled.values() if v[0] == s) for s in ("CONFIRMED", "REJECTED")
        }
        print(
            f"{backend}: {orders} orders, {concurrency} at a time"
            f"{f', {rate:g}/s offered' if rate else ''}: placeOrder -> settled "
            f"{percentiles(lags)}; {orders / elapsed:.0f} orders/s end to end; {outcomes}"
        )


CREATE = "mutation($i: CreateProductInput!) { createProduct(input: $i) { upc } }"


async def catalogue(backend: str, products: int) -> None:
    async with running(backend, ["products", "reviews", "orders"], Scale(1)) as system:
        staff = {"claims": Claims(subject="1", scopes=frozenset({"catalog:write"}))}
        for n in range(products):
            upc = f"{900_000_000_000 + n:012d}"
            product = {
                "upc": upc,
                "name": f"P{n}",
                "priceAmount": 100,
                "weight": 10,
                "categorySlug": "home",
            }
            await system.execute("products", CREATE, {"i": product}, **staff)
        windows: dict[str, list[float]] = {}
        produced = registry.get("products").load().events
        assert produced is not None
        async with system.databases["products"].session() as session:
            recorded = dict(
                (
                    await session.execute(
                        select(
                            produced.tables.outbox.c.event_id, produced.tables.outbox.c.recorded_at
                        )
                    )
                ).all()
            )
        for name in ("reviews", "orders"):
            domain_events = registry.get(name).load().events
            assert domain_events is not None
            processed = domain_events.tables.processed
            applied: dict[str, datetime] = {}
            while len(applied) < products:
                async with system.databases[name].session() as session:
                    applied = dict(
                        (
                            await session.execute(
                                select(processed.c.event_id, processed.c.processed_at).where(
                                    processed.c.consumer == f"{name}-products"
                                )
                            )
                        ).all()
                    )
                await asyncio.sleep(0.2)
            windows[name] = [(applied[e] - recorded[e]).total_seconds() for e in recorded]
        for name, values in windows.items():
            print(
                f"{backend}: {products} products created one by one: products -> {name} {percentiles(values)}"
            )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--backend", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--orders", type=int, default=300)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--rate", type=float, default=0, help="orders/s offered (0: no pacing)")
    parser.add_argument(
        "--products", type=int, default=0, help="measure the catalogue window instead"
    )
    args = parser.parse_args()
    if args.products:
        asyncio.run(catalogue(args.backend, args.products))
    else:
        asyncio.run(saga(args.backend, args.orders, args.concurrency, args.rate))
