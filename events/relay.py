"""The relay: publishes committed outbox rows to JetStream, then marks them published.

Guarantees (docs/events.md):

- At least once: a row is marked only after JetStream acknowledged storing it. A
  crash between the publish and the mark republishes it on restart; JetStream drops
  the copy (same `Nats-Msg-Id` = event id, within the stream's duplicate window),
  and consumers drop any later copy by event id.
- Per-aggregate order: in each window of pending rows (by `seq`), the rows of one
  aggregate are published one after the other, each after the previous one's ack;
  the first failure stops that aggregate until the next window, which starts again
  at the failed row. Different aggregates are published concurrently, and one
  aggregate's failure does not hold the others back.
- One relay per database: on PostgreSQL a relay publishes only while it holds a
  session advisory lock (other replicas wait as standbys); on SQLite the database
  belongs to one process.
"""

from __future__ import annotations

import asyncio
import logging
import zlib
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from nats.js import JetStreamContext
from sqlalchemy import select, text, update
from sqlalchemy.ext.asyncio import AsyncEngine

from events.outbox import Outbox
from events.streams import Streams

log = logging.getLogger("events.relay")

MSG_ID_HEADER = "Nats-Msg-Id"


@dataclass(slots=True)
class RelayStats:
    published: int = 0  # rows marked published
    duplicates: int = 0  # of those, JetStream already had (a republish after a crash)
    failures: int = 0  # publish attempts that failed (the row stays pending)
    batches: int = 0


class Relay:
    """Publishes `outbox`'s pending rows as `producer`'s events."""

    def __init__(
        self,
        engine: AsyncEngine,
        outbox: Outbox,
        js: JetStreamContext,
        streams: Streams,
        producer: str,
        *,
        batch_size: int = 200,
        poll_interval: float = 0.5,
        publish_timeout: float = 5.0,
        keyed_types: frozenset[str] = frozenset(),
    ) -> None:
        self.engine = engine
        self.outbox = outbox
        self.js = js
        self.streams = streams
        self.producer = producer
        self.batch_size = batch_size
        self.poll_interval = poll_interval
        self.publish_timeout = publish_timeout
        # Types published on a subject per aggregate (`...<Type>.<aggregateId>`), so a
        # subscriber can listen to one entity (e.g. one order's status changes).
        self.keyed_types = keyed_types
        self.stats = RelayStats()
        self._wake = asyncio.Event()

    async def run(self) -> None:
        """Publish until cancelled; wake on local commits, else poll (other processes)."""
        await self.streams.ensure(self.js, self.producer)
        self.outbox.subscribe(self._wake)
        try:
            async with self._leadership():
                await self._loop()
        finally:
            self.outbox.unsubscribe(self._wake)

    async def _loop(self) -> None:
        backoff = self.poll_interval
        while True:
            self._wake.clear()
            try:
                published, failed = await self.publish_pending()
            except Exception:
                log.exception("relay %s: a publishing round failed", self.producer)
                published, failed = 0, 1
            if failed:
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 5.0)
                continue
            backoff = self.poll_interval
            if published < self.batch_size:
                with suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self.poll_interval)

    async def publish_pending(self) -> tuple[int, int]:
        """One window: returns (rows marked published, rows whose publish failed)."""
        table = self.outbox.tables.outbox
        async with self.engine.connect() as connection:
            rows = (
                await connection.execute(
                    select(
                        table.c.seq,
                        table.c.event_id,
                        table.c.event_type,
                        table.c.aggregate_id,
                        table.c.body,
                    )
                    .where(table.c.published_at.is_(None))
                    .order_by(table.c.seq)
                    .limit(self.batch_size)
                )
            ).all()
            await connection.rollback()  # end the read transaction before the network
        if not rows:
            return 0, 0
        chains: dict[str, list[Any]] = {}
        for row in rows:
            chains.setdefault(row.aggregate_id, []).append(row)
        results = await asyncio.gather(*(self._publish_chain(chain) for chain in chains.values()))
        done = [seq for chain_done, _ in results for seq in chain_done]
        failed = sum(chain_failed for _, chain_failed in results)
        if done:
            async with self.engine.begin() as connection:
                await connection.execute(
                    update(table)
                    .where(table.c.seq.in_(done))
                    .values(published_at=datetime.now(UTC))
                )
        self.stats.published += len(done)
        self.stats.failures += failed
        self.stats.batches += 1
        return len(done), failed

    async def _publish_chain(self, chain: Sequence[Any]) -> tuple[list[int], int]:
        """Publish one aggregate's rows in order; stop at the first failure."""
        done: list[int] = []
        for row in chain:
            try:
                subject = (
                    self.streams.keyed_subject(self.producer, row.event_type, row.aggregate_id)
                    if row.event_type in self.keyed_types
                    else self.streams.subject(self.producer, row.event_type)
                )
                ack = await self.js.publish(
                    subject,
                    row.body.encode(),
                    timeout=self.publish_timeout,
                    headers={MSG_ID_HEADER: row.event_id},
                )
            except Exception as error:  # the broker is down, slow, or refuses it
                log.warning(
                    "relay %s: publishing event %s (outbox seq %d) failed: %r; retrying later",
                    self.producer,
                    row.event_id,
                    row.seq,
                    error,
                )
                return done, 1
            if ack.duplicate:
                self.stats.duplicates += 1
            done.append(row.seq)
        return done, 0

    @asynccontextmanager
    async def _leadership(self) -> AsyncIterator[None]:
        if self.engine.dialect.name != "postgresql":
            yield
            return
        async with self.engine.connect() as connection:
            # Per schema: test runs and other deployments on the same server never meet.
            schema = await connection.scalar(text("SELECT current_schema()"))
            key = zlib.crc32(f"events.relay:{schema}:{self.producer}".encode())
            while not await connection.scalar(
                text("SELECT pg_try_advisory_lock(:key)"), {"key": key}
            ):
                await connection.rollback()
                await asyncio.sleep(self.poll_interval * 4)
            await connection.commit()  # the lock is per session: it outlives the transaction
            try:
                yield
            finally:
                try:
                    await connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": key})
                    await connection.commit()
                except BaseException:
                    # A pooled connection must not keep the lock: drop it instead.
                    await connection.invalidate()
                    raise
