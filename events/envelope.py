"""The event envelope and the registry of event types (one payload schema per type and version).

On the wire (the JetStream message body, and the outbox row) an event is JSON:

    {"type": "OrderPlaced", "version": 1, "id": "<uuid4>",
     "occurredAt": "2024-01-01T00:00:00.000000+00:00", "aggregateId": "42",
     "payload": {...}}

`id` is unique per event (the JetStream `Nats-Msg-Id` and the consumers'
processed-id key); `aggregateId` names the entity whose history the event belongs
to (events of one aggregate are published in the order they were recorded). A
new incompatible payload is a new `version` of the type, registered next to the
old one, so consumers can read both while producers move over.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

from events._convert import PayloadError, check_schema, from_json, to_json

P = TypeVar("P")

__all__ = ["Event", "EventRegistry", "EventType", "PayloadError"]


@dataclass(frozen=True, slots=True)
class Event(Generic[P]):
    type: str
    version: int
    aggregate_id: str
    payload: P
    id: str = field(default_factory=lambda: str(uuid.uuid4()))
    occurred_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    def to_json(self) -> dict[str, Any]:
        return {
            "type": self.type,
            "version": self.version,
            "id": self.id,
            "occurredAt": self.occurred_at.isoformat(timespec="microseconds"),
            "aggregateId": self.aggregate_id,
            "payload": to_json(self.payload),
        }

    def encode(self) -> bytes:
        return json.dumps(self.to_json(), separators=(",", ":"), ensure_ascii=False).encode()


@dataclass(frozen=True, slots=True)
class EventType(Generic[P]):
    """One event type and version: its name, the domain that emits it, its payload schema."""

    name: str
    version: int
    producer: str
    payload: type[P]

    def __post_init__(self) -> None:
        if not self.name.isidentifier() or not self.producer.isidentifier():
            raise ValueError(f"event type and producer must be identifiers: {self!r}")
        check_schema(self.payload, f"{self.name}.payload")

    def create(self, aggregate_id: str | int, payload: P) -> Event[P]:
        if not isinstance(payload, self.payload):
            raise TypeError(f"{self.name} needs a {self.payload.__name__} payload")
        return Event(self.name, self.version, str(aggregate_id), payload)

    def parse(self, body: dict[str, Any]) -> Event[P]:
        """The typed event from a decoded envelope of this type (PayloadError if it does not fit)."""
        return Event(
            type=self.name,
            version=self.version,
            aggregate_id=_field(body, "aggregateId", str),
            payload=from_json(self.payload, body.get("payload")),
            id=_field(body, "id", str),
            occurred_at=_timestamp(_field(body, "occurredAt", str)),
        )


class EventRegistry:
    """The event types a process knows, by (name, version)."""

    def __init__(self, *types: EventType[Any]) -> None:
        self._types: dict[tuple[str, int], EventType[Any]] = {}
        for event_type in types:
            self.register(event_type)

    def register(self, event_type: EventType[Any]) -> None:
        key = (event_type.name, event_type.version)
        if key in self._types and self._types[key] != event_type:
            raise ValueError(f"event type {key} is registered twice with different schemas")
        self._types[key] = event_type

    def __iter__(self) -> Any:
        return iter(self._types.values())

    def get(self, name: str, version: int) -> EventType[Any] | None:
        return self._types.get((name, version))

    def decode(self, data: bytes) -> Event[Any]:
        """An event from its wire form; PayloadError for anything malformed or unknown."""
        try:
            body = json.loads(data)
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            raise PayloadError(f"not a JSON event envelope: {error}") from None
        if not isinstance(body, dict):
            raise PayloadError("an event envelope must be a JSON object")
        name, version = _field(body, "type", str), _field(body, "version", int)
        event_type = self.get(name, version)
        if event_type is None:
            raise PayloadError(f"unknown event type {name} version {version}")
        return event_type.parse(body)


def _field(body: dict[str, Any], name: str, kind: type[Any]) -> Any:
    value = body.get(name)
    if not isinstance(value, kind) or isinstance(value, bool):
        raise PayloadError(f"envelope field {name!r} must be {kind.__name__}")
    return value


def _timestamp(value: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise PayloadError(f"occurredAt is not an ISO timestamp: {value!r}") from None
    if parsed.tzinfo is None:
        raise PayloadError("occurredAt must carry a time zone")
    return parsed.astimezone(UTC)
