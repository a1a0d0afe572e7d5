"""Domain events invalidate the entities they are about (router.yaml
`response_cache.invalidation.events`).

    EventInvalidation(servers, rules, invalidate)   a core NATS subscription per rule
    await listener.start() ... await listener.aclose()

A rule maps a subject to an entity type and its key, read from the event's
payload: `events.products.ProductUpdated` -> `Product` with key `{"upc": payload.upc}`.
The domains publish every committed change (outbox -> JetStream, docs/events.md);
a plain subscription sees each message as it is published, so an entry is stale
no longer than the event takes to arrive. Every replica listens (each may have
its own in-memory store; on Redis the second delete is a no-op). A message missed
while disconnected leaves entries to their TTL: the bound that remains.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import orjson

from supergraph.executor.entity_cache.invalidation import Invalidation

if TYPE_CHECKING:  # nats is imported when a router listens (half a second of start-up)
    from nats.aio.client import Client
    from nats.aio.msg import Msg

logger = logging.getLogger(__name__)

Invalidate = Callable[[list[Invalidation], str], Awaitable[int]]


@dataclass(frozen=True, slots=True)
class EventRule:
    subject: str
    type: str
    key: Mapping[str, str]
    """Key field -> the payload field holding its value."""


class EventInvalidation:
    def __init__(
        self, servers: Sequence[str], rules: Sequence[EventRule], invalidate: Invalidate
    ) -> None:
        self.servers = list(servers)
        self.rules = list(rules)
        self._invalidate = invalidate
        self._client: Client | None = None
        self.received = 0
        self.failed = 0

    async def start(self) -> None:
        """Connects (and reconnects by itself afterwards); raises when NATS is unreachable."""
        import nats

        self._client = await nats.connect(
            servers=self.servers, max_reconnect_attempts=-1, connect_timeout=5
        )
        for rule in self.rules:
            await self._client.subscribe(rule.subject, cb=self._handler(rule))

    def _handler(self, rule: EventRule) -> Callable[[Msg], Awaitable[None]]:
        async def handle(message: Msg) -> None:
            self.received += 1
            invalidation = invalidation_of(rule, message.data)
            if invalidation is None:
                self.failed += 1
                logger.warning("event on %s names no %s key", message.subject, rule.type)
                return
            try:
                await self._invalidate([invalidation], "event")
            except Exception:
                self.failed += 1
                logger.warning("invalidation from %s failed", message.subject, exc_info=True)

        return handle

    async def aclose(self) -> None:
        if self._client is not None:
            client, self._client = self._client, None
            await client.close()


def invalidation_of(rule: EventRule, data: bytes) -> Invalidation | None:
    """The entity an event (docs/events.md envelope) is about, per `rule`."""
    try:
        event = orjson.loads(data)
    except orjson.JSONDecodeError:
        return None
    payload = event.get("payload") if isinstance(event, dict) else None
    if not isinstance(payload, dict):
        return None
    key = {}
    for field, source in rule.key.items():
        value = payload.get(source)
        if value is None:
            return None
        key[field] = value
    return Invalidation("entity", None, rule.type, key)
