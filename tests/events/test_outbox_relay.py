"""The outbox and the relay against the real JetStream, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from typing import Any

import pytest
from nats.js import JetStreamContext
from sqlalchemy import insert, update

from events import Event, PayloadError, Relay, Streams
from subgraphs._common.database import Database
from tests.events import model
from tests.events.model import BUMPED, OUTBOX, REGISTRY, TABLES, Bumped


async def stream_messages(
    js: JetStreamContext, stream: str
) -> list[tuple[str, str, dict[str, Any]]]:
    """(subject, Nats-Msg-Id, body) of every message in `stream`, in stream order."""
    info = await js.stream_info(stream)
    found: list[tuple[str, str, dict[str, Any]]] = []
    for seq in range(info.state.first_seq, info.state.last_seq + 1):
        message = await js.get_msg(stream, seq)
        headers = message.headers or {}
        found.append(
            (str(message.subject), headers.get("Nats-Msg-Id", ""), json.loads(message.data or b""))
        )
    return found


async def record(database: Database, *events: Event[Bumped], commit: bool = True) -> None:
    async with database.session() as session:
        await session.execute(insert(model.counters).values(name=events[0].id, value=0))
        await OUTBOX.record(session, *events)
        if commit:
            await session.commit()
        else:
            await session.rollback()


async def drain(relay: Relay) -> None:
    for _ in range(100):
        published, failed = await relay.publish_pending()
        assert failed == 0
        if published == 0:
            return
    raise AssertionError("the relay never ran out of pending rows")


def test_envelope_round_trip_and_schema_checks() -> None:
    event = BUMPED.create(7, Bumped(counter="a", by=2))
    decoded = REGISTRY.decode(event.encode())
    assert decoded == event
    body = json.loads(event.encode())
    assert set(body) == {"type", "version", "id", "occurredAt", "aggregateId", "payload"}
    assert body["aggregateId"] == "7"
    for broken, message in [
        ({**body, "payload": {"counter": "a", "by": "2", "note": None}}, "payload.by"),
        ({**body, "payload": {"counter": "a", "by": True, "note": None}}, "payload.by"),
        ({**body, "payload": {"counter": "a", "note": None}}, "missing field 'by'"),
        ({**body, "payload": {**body["payload"], "extra": 1}}, "unknown field 'extra'"),
        ({**body, "version": 2}, "unknown event type Bumped version 2"),
        ({**body, "occurredAt": "yesterday"}, "occurredAt"),
    ]:
        with pytest.raises(PayloadError, match=message):
            REGISTRY.decode(json.dumps(broken).encode())
    with pytest.raises(PayloadError):
        REGISTRY.decode(b"\xff not json")


async def test_a_rolled_back_transaction_leaves_no_event(database: Database) -> None:
    await model.create(database)
    await record(database, BUMPED.create(1, Bumped("a", 1)), commit=False)
    assert await model.outbox_rows(database) == []
    assert await model.counter_values(database) == {}
    kept = BUMPED.create(1, Bumped("a", 1))
    await record(database, kept)
    rows = await model.outbox_rows(database)
    assert [(row.event_id, row.published_at) for row in rows] == [(kept.id, None)]
    assert await model.counter_values(database) == {kept.id: 0}  # the state change, with it


async def test_relay_publishes_each_aggregate_in_order_with_the_event_id_as_msg_id(
    database: Database, js: JetStreamContext, streams: Streams
) -> None:
    await model.create(database)
    recorded = [BUMPED.create(f"agg{i % 3}", Bumped(f"c{i % 3}", i)) for i in range(30)]
    for event in recorded:  # one transaction per event, interleaving three aggregates
        await record(database, event)
    relay = Relay(database.engine, OUTBOX, js, streams, "demo", batch_size=7)
    await streams.ensure(js, "demo")
    await drain(relay)
    assert relay.stats.published == 30 and relay.stats.duplicates == 0
    assert all(row.published_at is not None for row in await model.outbox_rows(database))
    published = await stream_messages(js, streams.stream("demo"))
    assert len(published) == 30
    assert {subject for subject, _, _ in published} == {f"{streams.prefix}.demo.Bumped"}
    assert all(msg_id == body["id"] for _, msg_id, body in published)
    for aggregate in ("agg0", "agg1", "agg2"):
        in_stream = [body["id"] for _, _, body in published if body["aggregateId"] == aggregate]
        in_outbox = [e.id for e in recorded if e.aggregate_id == aggregate]
        assert in_stream == in_outbox


async def test_relay_killed_before_publish_or_before_marking_publishes_once(
    database: Database, js: JetStreamContext, streams: Streams
) -> None:
    await model.create(database)
    # Killed between the commit and the publish: the rows wait in the outbox.
    events = [BUMPED.create(i, Bumped("a", 1)) for i in range(10)]
    for event in events:
        await record(database, event)
    first = Relay(database.engine, OUTBOX, js, streams, "demo")
    await streams.ensure(js, "demo")
    await drain(first)
    # Killed after the publish, before marking: the same rows are pending again.
    async with database.engine.begin() as connection:
        await connection.execute(update(TABLES.outbox).values(published_at=None))
    restarted = Relay(database.engine, OUTBOX, js, streams, "demo")
    await drain(restarted)
    assert restarted.stats.published == 10
    assert restarted.stats.duplicates == 10  # JetStream de-duplicated every one
    published = await stream_messages(js, streams.stream("demo"))
    assert sorted(body["id"] for _, _, body in published) == sorted(e.id for e in events)


async def test_a_failing_publish_keeps_the_row_and_its_successors_pending(
    database: Database, js: JetStreamContext, streams: Streams
) -> None:
    await model.create(database)
    for i in range(3):
        await record(database, BUMPED.create("same", Bumped("a", i)))
    relay = Relay(database.engine, OUTBOX, js, streams, "demo", publish_timeout=0.5)
    # No stream yet for this prefix: JetStream has no responder, every publish fails.
    published, failed = await relay.publish_pending()
    assert (published, failed) == (0, 1)  # the aggregate stopped at its first row
    assert all(row.published_at is None for row in await model.outbox_rows(database))
    await streams.ensure(js, "demo")
    await drain(relay)
    bodies = [body for _, _, body in await stream_messages(js, streams.stream("demo"))]
    assert [body["payload"]["by"] for body in bodies] == [0, 1, 2]
