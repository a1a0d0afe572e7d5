"""Reading the dead letters back: what failed, for which consumer, and why.

Dead letters are messages of stream `<PREFIX>_DLQ` on `<prefix>.dlq.<consumer>`,
their body the original event, their headers the reason (`Consumer._dead_letter`).
`read_dead_letters` lists them oldest first (the `subgraphs dead-letters` command).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from nats.js import JetStreamContext
from nats.js.errors import NotFoundError

from events.consumer import REASON_HEADER
from events.streams import Streams


@dataclass(frozen=True, slots=True)
class DeadLetter:
    sequence: int  # in the dead-letter stream
    stored_at: datetime | None
    consumer: str
    subject: str  # where the event was published
    attempts: int
    reason: str
    event_type: str  # "?" when the body is not an event envelope
    event_id: str


async def read_dead_letters(
    js: JetStreamContext, streams: Streams, consumer: str | None = None, limit: int = 1000
) -> list[DeadLetter]:
    """Up to `limit` dead letters (of `consumer`, or all), oldest first; none if no stream."""
    try:
        info = await js.stream_info(streams.dead_letter_stream)
    except NotFoundError:
        return []
    subject = streams.dead_letter_subject(consumer or ">")  # `>`: every consumer's
    found: list[DeadLetter] = []
    sequence = info.state.first_seq
    while len(found) < limit and sequence <= info.state.last_seq:
        try:
            message = await js.get_msg(
                streams.dead_letter_stream, seq=sequence, subject=subject, next=True
            )
        except NotFoundError:
            break
        assert message.seq is not None
        sequence = message.seq + 1
        headers = message.headers or {}
        event_type, event_id = _event(message.data or b"")
        found.append(
            DeadLetter(
                sequence=message.seq,
                stored_at=_time(message.time),
                consumer=headers.get("Dead-Letter-Consumer", "?"),
                subject=headers.get("Dead-Letter-Subject", "?"),
                attempts=int(headers.get("Dead-Letter-Attempts", "0") or 0),
                reason=headers.get(REASON_HEADER, "?"),
                event_type=event_type,
                event_id=event_id,
            )
        )
    return found


def _event(data: bytes) -> tuple[str, str]:
    try:
        body = json.loads(data)
    except ValueError:
        return "?", "?"
    if not isinstance(body, dict):
        return "?", "?"
    return str(body.get("type", "?")), str(body.get("id", "?"))


def _time(value: object) -> datetime | None:
    if isinstance(value, datetime):
        return value
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value.replace("Z", "+00:00")[:26] + "+00:00")
        except ValueError:
            return None
    return None
