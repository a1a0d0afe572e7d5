"""Events per second through the outbox relay and an idempotent consumer (real NATS).

    .venv/bin/python -m bench.events_relay --backend sqlite --events 5000
    .venv/bin/python -m bench.events_relay --backend postgres --events 5000

Records N events in the outbox (100 per transaction, 50 aggregates), then times
the relay publishing all of them to JetStream (and marking them), then a durable
consumer applying all of them (one transaction each, with the processed-id
record). Uses its own subject prefix and a throw-away database; deletes both.
NATS at $NATS_URL (default nats://127.0.0.1:4222), PostgreSQL at
$TEST_POSTGRES_URL (default postgresql://postgres@127.0.0.1:5432/test).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nats
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from events import Consumer, Event, EventRegistry, EventTables, EventType, Outbox, Relay, Streams
from subgraphs._common.config import DatabaseConfig
from subgraphs._common.database import Database
from subgraphs._common.sqltypes import NAMING_CONVENTION


@dataclass(frozen=True, slots=True)
class Tick:
    n: int


TICK = EventType("Tick", 1, "bench", Tick)
metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)
TABLES = EventTables(metadata)
OUTBOX = Outbox(TABLES)
applied = sa.Table("applied", metadata, sa.Column("n", sa.Integer(), primary_key=True))


async def apply(session: AsyncSession, event: Event[Any]) -> None:
    await session.execute(sa.insert(applied).values(n=event.payload.n))


async def main(backend: str, count: int) -> None:
    prefix = f"b{secrets.token_hex(4)}"
    with tempfile.TemporaryDirectory() as folder:
        if backend == "sqlite":
            config = DatabaseConfig.sqlite(Path(folder) / "bench.sqlite3")
        else:
            url = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
            config = DatabaseConfig.postgres(url, prefix)
        database = Database("bench", config)
        nc = await nats.connect(os.environ.get("NATS_URL", "nats://127.0.0.1:4222"))
        js = nc.jetstream()
        streams = Streams(prefix=prefix)
        try:
            async with database.engine.begin() as connection:
                if config.schema:
                    await connection.execute(sa.text(f'CREATE SCHEMA "{config.schema}"'))
                await connection.run_sync(metadata.create_all)
            started = time.perf_counter()
            for first in range(0, count, 100):
                async with database.session() as session:
                    await OUTBOX.record(
                        session,
                        *(
                            TICK.create(n % 50, Tick(n))
                            for n in range(first, min(first + 100, count))
                        ),
                    )
                    await session.commit()
            recorded = time.perf_counter() - started
            relay = Relay(database.engine, OUTBOX, js, streams, "bench", batch_size=500)
            await streams.ensure(js, "bench")
            started = time.perf_counter()
            while (await relay.publish_pending())[0]:
                pass
            relayed = time.perf_counter() - started
            consumer = Consumer(
                "bench",
                database.engine,
                TABLES,
                js,
                streams,
                source="bench",
                handlers={"Tick": apply},
                registry=EventRegistry(TICK),
                batch_size=200,
            )
            started = time.perf_counter()
            task = asyncio.create_task(consumer.run())
            while consumer.stats.applied < count:  # noqa: ASYNC110 -- polls a plain counter
                await asyncio.sleep(0.01)
            consumed = time.perf_counter() - started
            task.cancel()
            print(
                f"{backend}: {count} events: record {count / recorded:,.0f}/s, "
                f"relay {count / relayed:,.0f}/s ({relay.stats.batches} batches), "
                f"consume {count / consumed:,.0f}/s"
            )
        finally:
            await streams.delete(js, "bench")
            await nc.close()
            if config.schema:
                await database.reset()
            await database.dispose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--backend", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--events", type=int, default=5000)
    args = parser.parse_args()
    asyncio.run(main(args.backend, args.events))
