"""A domain's events, and running its relay and consumers inside the subgraph process.

A `Domain` with `events=DomainEvents(...)` gets, when `NATS_URL` is set
(`events.EventsConfig.from_env`), a relay for its outbox and one durable consumer
per `Subscription`, started after its migrations and stopped before its database
closes. Without `NATS_URL` nothing runs and the domain's resolvers see
`context.events_enabled == False`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field

import nats
from nats.aio.client import Client
from prometheus_client.core import CounterMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy.ext.asyncio import AsyncEngine

from events import Consumer, EventRegistry, EventsConfig, EventTables, Handler, Outbox, Relay
from subgraphs._common.live import LiveFeed

log = logging.getLogger("subgraphs.events")


@dataclass(frozen=True, slots=True)
class Subscription:
    """A durable consumer `name` of `source`'s events, one handler per event type."""

    name: str
    source: str
    handlers: Mapping[str, Handler]
    max_attempts: int = 5


@dataclass(frozen=True, slots=True)
class DomainEvents:
    tables: EventTables
    outbox: Outbox
    registry: EventRegistry
    subscriptions: Sequence[Subscription] = ()
    # False for a domain that only consumes (no relay polling an always-empty outbox).
    produces: bool = True
    # Its event types published on a subject per aggregate (`Relay.keyed_types`).
    keyed_subjects: frozenset[str] = frozenset()


@dataclass
class EventsRuntime:
    """The NATS connection, relay and consumers of one domain in one process."""

    producer: str
    events: DomainEvents
    config: EventsConfig
    engine: AsyncEngine
    relay: Relay | None = None
    consumers: list[Consumer] = field(default_factory=list)
    feed: LiveFeed | None = None
    """Events for the domain's GraphQL subscriptions (live.py), on the same connection."""
    _client: Client | None = None
    _tasks: list[asyncio.Task[None]] = field(default_factory=list)

    async def start(self) -> None:
        self._client = await nats.connect(
            list(self.config.servers),
            name=f"subgraph-{self.producer}",
            max_reconnect_attempts=-1,  # keep trying: the outbox holds events meanwhile
        )
        js = self._client.jetstream()
        self.feed = LiveFeed(self._client, self.events.registry)
        streams = self.config.streams
        if self.events.produces:
            self.relay = Relay(
                self.engine,
                self.events.outbox,
                js,
                streams,
                self.producer,
                keyed_types=self.events.keyed_subjects,
            )
        for subscription in self.events.subscriptions:
            consumer = Consumer(
                subscription.name,
                self.engine,
                self.events.tables,
                js,
                streams,
                source=subscription.source,
                handlers=subscription.handlers,
                registry=self.events.registry,
                max_attempts=subscription.max_attempts,
            )
            await consumer.subscribe()  # fail the start-up, not a background task
            self.consumers.append(consumer)
        loops: list[tuple[str, Callable[[], Awaitable[None]]]] = [
            (f"consumer {c.name}", c.run) for c in self.consumers
        ]
        if self.relay is not None:
            loops.append((f"relay {self.producer}", self.relay.run))
        for name, run in loops:
            self._tasks.append(asyncio.create_task(_forever(name, run), name=name))
        log.info(
            "%s: events on (%s): relay and %d consumer(s) running",
            self.producer,
            ",".join(self.config.servers),
            len(self.consumers),
        )

    @property
    def reconnects(self) -> int:
        """How often the NATS connection was lost and made again."""
        return 0 if self._client is None else int(self._client.stats["reconnects"])

    async def stop(self) -> None:
        if self.feed is not None:
            self.feed.close()
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks.clear()
        if self._client is not None:
            await self._client.close()
            self._client = None


async def _forever(name: str, run: Callable[[], Awaitable[None]]) -> None:
    """Restart `run` after an unexpected failure (e.g. NATS unreachable at start-up)."""
    delay = 0.5
    while True:
        try:
            await run()
        except Exception:
            log.exception("%s failed; restarting it in %.1fs", name, delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 10.0)


class EventsMetrics(Collector):
    """The runtime's relay and consumer counters, read at each scrape of `/metrics`.

    `subgraph_events_dead_letters_total{consumer}` counts the events this process
    gave up on (listed by `subgraphs dead-letters`); applied, duplicates (dropped
    redeliveries), retries and skipped per consumer; published by the relay.
    """

    def __init__(self, runtime: EventsRuntime) -> None:
        self.runtime = runtime

    def collect(self) -> Iterator[Metric]:
        per_consumer = {
            "dead_letters": ("events given up on (sent to the dead letters)", "dead_lettered"),
            "applied": ("events applied (one effect each)", "applied"),
            "duplicates": ("redelivered events dropped by the processed-id check", "duplicates"),
            "retries": ("failed attempts to be retried", "retried"),
            "skipped": ("messages on subjects the consumer does not listen to", "skipped"),
        }
        for name, (help_text, field_name) in per_consumer.items():
            family = CounterMetricFamily(f"subgraph_events_{name}", help_text, labels=["consumer"])
            for consumer in self.runtime.consumers:
                family.add_metric([consumer.name], getattr(consumer.stats, field_name))
            yield family
        published = CounterMetricFamily(
            "subgraph_events_published", "outbox events published to JetStream by the relay"
        )
        relay = self.runtime.relay
        published.add_metric([], relay.stats.published if relay is not None else 0)
        yield published
