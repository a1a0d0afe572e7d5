"""The idempotent consumer against the real JetStream, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from nats.js import JetStreamContext

from events import Consumer, Event, Streams
from subgraphs._common.database import Database
from tests.events import model
from tests.events.model import BUMPED, REGISTRY, TABLES, Bumped


def consumer(
    database: Database, js: JetStreamContext, streams: Streams, **options: float
) -> Consumer:
    return Consumer(
        "demo-counter",
        database.engine,
        TABLES,
        js,
        streams,
        source="demo",
        handlers={"Bumped": model.bump},
        registry=REGISTRY,
        **options,  # type: ignore[arg-type]
    )


async def publish(
    js: JetStreamContext, streams: Streams, event: Event[Bumped], msg_id: str | None = None
) -> None:
    await js.publish(
        streams.subject("demo", "Bumped"),
        event.encode(),
        headers={"Nats-Msg-Id": msg_id or event.id},
    )


async def until(condition: Callable[[], Awaitable[bool]], what: str) -> None:
    """Wait for `condition` (a deadline against hangs, not a timing assertion)."""
    for _ in range(600):
        if await condition():
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"never happened: {what}")


async def test_every_copy_of_an_event_has_one_effect(
    database: Database, js: JetStreamContext, streams: Streams
) -> None:
    await model.create(database)
    await streams.ensure(js, "demo")
    event = BUMPED.create("x", Bumped("total", 5))
    # The same event three times past JetStream's de-duplication (as after its window).
    for copy in range(3):
        await publish(js, streams, event, msg_id=f"{event.id}-{copy}")
    await publish(js, streams, BUMPED.create("x", Bumped("total", 1)))
    subscriber = consumer(database, js, streams)
    task = asyncio.create_task(subscriber.run())
    try:
        await until(lambda: _settled(subscriber, 4), "four messages handled")
    finally:
        task.cancel()
    assert await model.counter_values(database) == {"total": 6}
    assert (subscriber.stats.applied, subscriber.stats.duplicates) == (2, 2)


async def test_a_consumer_killed_after_the_effect_before_the_ack_applies_it_once(
    database: Database, js: JetStreamContext, streams: Streams
) -> None:
    await model.create(database)
    await streams.ensure(js, "demo")
    event = BUMPED.create("x", Bumped("total", 5))
    await publish(js, streams, event)
    first = consumer(database, js, streams, ack_wait=1.0)
    subscription = await first.subscribe()
    [message] = await subscription.fetch(1, timeout=5)
    assert await first.apply(event, model.bump)  # committed, then "killed": no ack
    assert await model.counter_values(database) == {"total": 5}
    restarted = consumer(database, js, streams, ack_wait=1.0)  # same durable consumer
    task = asyncio.create_task(restarted.run())
    try:
        await until(lambda: _settled(restarted, 1), "the redelivery handled")
    finally:
        task.cancel()
    assert await model.counter_values(database) == {"total": 5}
    assert restarted.stats.duplicates == 1 and restarted.stats.applied == 0
    assert message.metadata.num_delivered == 1


async def test_a_poison_event_is_dead_lettered_and_does_not_block_the_next(
    database: Database, js: JetStreamContext, streams: Streams
) -> None:
    await model.create(database)
    await streams.ensure(js, "demo")
    poison = BUMPED.create("x", Bumped("total", 100, note="poison"))
    await publish(js, streams, poison)
    for by in (1, 2, 3):
        await publish(js, streams, BUMPED.create("x", Bumped("total", by)))
    await js.publish(streams.subject("demo", "Bumped"), b'{"not": "an event"}')
    subscriber = consumer(database, js, streams, max_attempts=3, retry_delay=0.05)
    task = asyncio.create_task(subscriber.run())
    try:
        await until(lambda: _settled(subscriber, 5), "every message applied or dead")
    finally:
        task.cancel()
    assert await model.counter_values(database) == {"total": 6}
    assert subscriber.stats.dead_lettered == 2 and subscriber.stats.retried == 2
    letters = []
    info = await js.stream_info(streams.dead_letter_stream)
    for seq in range(info.state.first_seq, info.state.last_seq + 1):
        letters.append(await js.get_msg(streams.dead_letter_stream, seq))
    assert [letter.subject for letter in letters] == [
        streams.dead_letter_subject("demo-counter")
    ] * 2
    by_attempts = {(letter.headers or {})["Dead-Letter-Attempts"]: letter for letter in letters}
    assert set(by_attempts) == {"3", "1"}  # the poison after 3 tries, the garbage at once
    assert by_attempts["3"].data == poison.encode()
    assert (
        "RuntimeError: this event always fails"
        in (by_attempts["3"].headers or {})["Dead-Letter-Reason"]
    )
    assert "envelope" in (by_attempts["1"].headers or {})["Dead-Letter-Reason"]


async def _settled(subscriber: Consumer, handled: int) -> bool:
    stats = subscriber.stats
    return stats.applied + stats.duplicates + stats.dead_lettered >= handled
