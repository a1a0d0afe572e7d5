"""An idempotent, durable JetStream consumer of one producer's events.

For each message (pull consumer, explicit ack, in stream order):

1. A message on a subject this consumer does not listen to is acked and skipped (a
   NATS server before 2.10 ignores the consumer's `filter_subjects`). Decode the
   envelope; one that does not decode, or a type this consumer has no handler
   for, cannot succeed later either: dead letter at once.
2. In ONE database transaction: insert (consumer, event id) into
   `processed_events`, then run the handler with that session, then commit. The
   primary key makes a redelivered event a no-op (IntegrityError -> rolled back,
   acked): an event has at most one effect, however often it arrives.
3. Ack. A crash before the ack redelivers the message after `ack_wait`; step 2
   drops it.
4. A handler failure naks with a growing delay; after `max_attempts` deliveries the
   message goes to the dead-letter subject (`<prefix>.dlq.<consumer>`, headers
   `Dead-Letter-Reason`, `-Subject`, `-Attempts`, `-Stream-Seq`) and is terminated.
   The messages behind it are processed meanwhile (a nak does not block them), so
   a poison event costs its own retries, not the stream's progress; the price is
   that a retried event may be applied after later events of the same aggregate.
   A handler raises `PermanentError` to dead-letter at once.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from events.envelope import Event, EventRegistry, PayloadError
from events.streams import Streams
from events.tables import EventTables

log = logging.getLogger("events.consumer")

Handler = Callable[[AsyncSession, Event[Any]], Awaitable[None]]
"""Applies one event inside the consumer's transaction (never commits itself)."""

REASON_HEADER = "Dead-Letter-Reason"


class PermanentError(Exception):
    """The event can never be applied (send it to the dead letters without retrying)."""


@dataclass(slots=True)
class ConsumerStats:
    applied: int = 0
    duplicates: int = 0  # redeliveries dropped by the processed-id check
    retried: int = 0  # naks after a handler failure
    dead_lettered: int = 0
    skipped: int = 0  # on a subject this consumer does not listen to (a pre-2.10 server)


class Consumer:
    """Durable consumer `name` of `source`'s events, one handler per event type."""

    def __init__(
        self,
        name: str,
        engine: AsyncEngine,
        tables: EventTables,
        js: JetStreamContext,
        streams: Streams,
        *,
        source: str,
        handlers: Mapping[str, Handler],
        registry: EventRegistry,
        max_attempts: int = 5,
        ack_wait: float = 30.0,
        batch_size: int = 50,
        retry_delay: float = 0.5,
    ) -> None:
        if not handlers:
            raise ValueError(f"consumer {name} needs at least one handler")
        self.name = name
        self.sessions = async_sessionmaker(engine, expire_on_commit=False)
        self.tables = tables
        self.js = js
        self.streams = streams
        self.source = source
        self.handlers = dict(handlers)
        self.registry = registry
        self.max_attempts = max_attempts
        self.ack_wait = ack_wait
        self.batch_size = batch_size
        self.retry_delay = retry_delay
        self.stats = ConsumerStats()
        self.subjects = frozenset(streams.subject(source, t) for t in self.handlers)
        self._subscription: JetStreamContext.PullSubscription | None = None

    async def subscribe(self) -> JetStreamContext.PullSubscription:
        """Create (or bind to) the durable consumer; streams are created if missing."""
        if self._subscription is None:
            await self.streams.ensure(self.js, self.source)
            await self.streams.ensure_dead_letters(self.js)
            subjects = sorted(self.subjects)
            config = ConsumerConfig(
                name=self.name,
                durable_name=self.name,
                ack_policy=AckPolicy.EXPLICIT,
                deliver_policy=DeliverPolicy.ALL,
                ack_wait=self.ack_wait,
                max_deliver=-1,  # we count attempts and dead-letter ourselves
                filter_subjects=subjects,
            )
            # Create it, or update an existing one: a new version of the code may handle
            # more event types (filter subjects), which binding alone would never apply.
            await self.js.add_consumer(self.streams.stream(self.source), config)
            self._subscription = await self.js.pull_subscribe(
                subjects[0],
                durable=self.name,
                stream=self.streams.stream(self.source),
                config=config,
            )
        return self._subscription

    async def run(self) -> None:
        """Fetch and process until cancelled."""
        subscription = await self.subscribe()
        while True:
            try:
                messages = await subscription.fetch(self.batch_size, timeout=1.0)
            except TimeoutError:  # nats' and asyncio's: nothing arrived in time
                continue
            except Exception as error:  # the connection is down: it reconnects by itself
                log.warning("consumer %s: fetch failed: %r", self.name, error)
                await asyncio.sleep(1.0)
                continue
            for message in messages:
                await self.process(message)

    async def process(self, message: Msg) -> None:
        """Apply, drop (a duplicate), retry later or dead-letter one message; then ack it."""
        if message.subject not in self.subjects:
            # A NATS server before 2.10 ignores `filter_subjects` and delivers the
            # whole stream: events for other consumers are not ours to judge.
            self.stats.skipped += 1
            await message.ack()
            return
        attempt = message.metadata.num_delivered
        try:
            event = self.registry.decode(message.data)
            handler = self.handlers.get(event.type)
            if handler is None:
                raise PermanentError(f"consumer {self.name} has no handler for {event.type}")
            applied = await self.apply(event, handler)
        except (PayloadError, PermanentError) as error:
            await self._dead_letter(message, attempt, str(error))
            return
        except Exception as error:
            if attempt >= self.max_attempts:
                await self._dead_letter(message, attempt, f"{type(error).__name__}: {error}")
                return
            log.warning(
                "consumer %s: attempt %d of %d failed: %r; retrying",
                self.name,
                attempt,
                self.max_attempts,
                error,
            )
            self.stats.retried += 1
            await message.nak(delay=self.retry_delay * attempt)
            return
        if applied:
            self.stats.applied += 1
        else:
            self.stats.duplicates += 1
        await message.ack()

    async def apply(self, event: Event[Any], handler: Handler) -> bool:
        """Run `handler` with the processed-id record in one transaction; False if done before."""
        async with self.sessions() as session:
            try:
                # First: on SQLite this takes the write lock before the handler reads,
                # on PostgreSQL a concurrent copy of the event waits here, then fails.
                await session.execute(
                    insert(self.tables.processed).values(
                        consumer=self.name, event_id=event.id, processed_at=datetime.now(UTC)
                    )
                )
            except IntegrityError:
                await session.rollback()
                return False
            try:
                await handler(session, event)
                await session.commit()
            except BaseException:
                await session.rollback()
                raise
        return True

    async def _dead_letter(self, message: Msg, attempt: int, reason: str) -> None:
        log.error("consumer %s: dead letter after %d attempt(s): %s", self.name, attempt, reason)
        metadata = message.metadata
        headers = {
            # One dead letter per message and consumer, even if this is retried.
            "Nats-Msg-Id": f"{self.name}:{metadata.stream}:{metadata.sequence.stream}",
            REASON_HEADER: " ".join(reason.split())[:1000] or "unknown",
            "Dead-Letter-Consumer": self.name,
            "Dead-Letter-Subject": message.subject,
            "Dead-Letter-Attempts": str(attempt),
            "Dead-Letter-Stream-Seq": str(metadata.sequence.stream),
        }
        await self.js.publish(
            self.streams.dead_letter_subject(self.name), message.data, headers=headers
        )
        self.stats.dead_lettered += 1
        await message.term()
