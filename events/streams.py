"""Subject and stream names, and creating the streams (idempotently).

With prefix `events` (the default):

| what | subject | stream |
|---|---|---|
| an event of domain `orders` | `events.orders.<Type>` (`events.orders.OrderPlaced`) | `EVENTS_ORDERS` (`events.orders.>`) |
| an event of a keyed type (one subject per aggregate) | `events.orders.OrderStatusChanged.<orderId>` | `EVENTS_ORDERS` |
| a dead letter of consumer `inventory-orders` | `events.dlq.inventory-orders` | `EVENTS_DLQ` (`events.dlq.>`) |

One stream per producing domain: its events keep their order in one stream, and a
consumer binds to the stream of the domain it listens to. Tests use their own
prefix so that they never meet each other or a running system on a shared server.
"""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass

from nats.js import JetStreamContext
from nats.js.api import RetentionPolicy, StorageType, StreamConfig
from nats.js.errors import BadRequestError, NotFoundError

_PREFIX = re.compile(r"^[a-z][a-z0-9_]{0,30}$")
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{1,100}$")  # one subject token: no dots, no wildcards
DUPLICATE_WINDOW = 120.0  # seconds: JetStream drops a second message with the same Nats-Msg-Id
MAX_AGE = 7 * 24 * 3600.0  # seconds an event stays in its stream


@dataclass(frozen=True, slots=True)
class Streams:
    prefix: str = "events"
    replicas: int = 1

    def __post_init__(self) -> None:
        if not _PREFIX.match(self.prefix):
            raise ValueError(f"event subject prefix must match {_PREFIX.pattern}: {self.prefix!r}")

    def subject(self, producer: str, event_type: str) -> str:
        return f"{self.prefix}.{producer}.{event_type}"

    def keyed_subject(self, producer: str, event_type: str, key: str) -> str:
        """`<prefix>.<producer>.<Type>.<key>`: one subject per aggregate (still in the stream)."""
        if not _TOKEN.match(key):
            raise ValueError(f"a subject key must match {_TOKEN.pattern}: {key!r}")
        return f"{self.subject(producer, event_type)}.{key}"

    def stream(self, producer: str) -> str:
        return f"{self.prefix}_{producer}".upper()

    def dead_letter_subject(self, consumer: str) -> str:
        return f"{self.prefix}.dlq.{consumer}"

    @property
    def dead_letter_stream(self) -> str:
        return self.stream("dlq")

    async def ensure(self, js: JetStreamContext, producer: str) -> None:
        """Create the producer's stream if it does not exist (safe to race)."""
        await _ensure(js, self._config(self.stream(producer), f"{self.prefix}.{producer}.>"))

    async def ensure_dead_letters(self, js: JetStreamContext) -> None:
        await _ensure(js, self._config(self.dead_letter_stream, f"{self.prefix}.dlq.>"))

    async def delete(self, js: JetStreamContext, *producers: str) -> None:
        """Delete the producers' streams and the dead-letter stream (tests, `reset`)."""
        for name in [*(self.stream(p) for p in producers), self.dead_letter_stream]:
            with contextlib.suppress(NotFoundError):
                await js.delete_stream(name)

    def _config(self, name: str, subject: str) -> StreamConfig:
        return StreamConfig(
            name=name,
            subjects=[subject],
            retention=RetentionPolicy.LIMITS,
            storage=StorageType.FILE,
            duplicate_window=DUPLICATE_WINDOW,
            max_age=MAX_AGE,
            num_replicas=self.replicas,
        )


async def _ensure(js: JetStreamContext, config: StreamConfig) -> None:
    assert config.name is not None
    try:
        await js.stream_info(config.name)
        return
    except NotFoundError:
        pass
    try:
        await js.add_stream(config)
    except BadRequestError:
        # Another process created it between our lookup and our add: fine if it exists.
        await js.stream_info(config.name)
