"""The per-subscription buffer's policy (pipeline/subscribe.py): a client that reads
slower than its subgraph sends never grows memory past `queue_capacity` events; the
oldest buffered events are dropped and counted, the newest and the completion kept.

The upstream here is an in-process queue: the policy is about what the stream does
with events it cannot pass on yet, which a real socket would only make slower to set up.
"""

from __future__ import annotations

import asyncio

from supergraph.errors import MAX_OPENED_SUBSCRIPTIONS_EXCEEDED, SUBSCRIPTION_SCHEMA_RELOAD
from supergraph.executor.transport import SubgraphRequest
from supergraph.pipeline.subscribe import (
    STATS,
    EventStream,
    SubscriptionOptions,
    SubscriptionRefused,
    end_subscriptions,
    open_subscriptions,
)
from supergraph.types import JSONObject


class Upstream:
    def __init__(self) -> None:
        self.events: asyncio.Queue[JSONObject | None] = asyncio.Queue()
        self.closed = False
        self.completed = asyncio.Event()
        """Set once the stream's reader took the completion from the subgraph."""

    async def next(self) -> JSONObject | None:
        event = await self.events.get()
        if event is None:
            self.completed.set()
        return event

    async def aclose(self) -> None:
        self.closed = True


class Transport:
    def __init__(self) -> None:
        self.upstream = Upstream()

    async def open(self, subgraph: str, request: SubgraphRequest) -> Upstream:
        return self.upstream


async def as_part(event: JSONObject) -> JSONObject:
    return {"data": event}


def stream(transport: Transport, owner: object, **options: object) -> EventStream:
    settings = SubscriptionOptions(**options)  # type: ignore[arg-type]
    return EventStream(
        owner, settings, transport, "orders", SubgraphRequest("subscription"), as_part
    )


async def test_a_slow_reader_gets_the_newest_events_and_the_rest_are_counted_as_dropped() -> None:
    transport = Transport()
    events = stream(transport, object(), queue_capacity=3)
    dropped_before = STATS.dropped
    await transport.upstream.events.put({"n": 0})
    assert await anext(events) == {"data": {"n": 0}}  # (the reader runs from now on)
    for n in range(1, 11):
        await transport.upstream.events.put({"n": n})
    await transport.upstream.events.put(None)  # the subgraph completes
    # The reader task drains the subgraph while nobody reads the stream.
    await asyncio.wait_for(transport.upstream.completed.wait(), 10)
    received = [part async for part in events]
    # Capacity 3: ten events and the completion arrived while the client read nothing;
    # eight went (the oldest), the two newest and the completion stayed.
    assert received == [{"data": {"n": 9}}, {"data": {"n": 10}}]
    assert events.dropped == 8
    assert STATS.dropped - dropped_before == 8
    assert transport.upstream.closed
    assert open_subscriptions() == 0


async def test_the_process_cap_counts_streams_until_they_are_closed() -> None:
    owner = object()
    first = stream(Transport(), owner, max_opened_subscriptions=1)
    try:
        stream(Transport(), owner, max_opened_subscriptions=1)
    except SubscriptionRefused as refused:
        assert refused.error["extensions"]["code"] == MAX_OPENED_SUBSCRIPTIONS_EXCEEDED
    else:
        raise AssertionError("a second subscription was admitted over the cap")
    await first.aclose()  # never iterated: closing still frees its place
    second = stream(Transport(), owner, max_opened_subscriptions=1)
    await second.aclose()
    assert open_subscriptions() == 0


async def test_an_ended_stream_sends_its_coded_error_ahead_of_buffered_events() -> None:
    transport = Transport()
    owner = object()
    events = stream(transport, owner)
    await transport.upstream.events.put({"n": 1})
    assert await anext(events) == {"data": {"n": 1}}
    for n in range(2, 5):
        await transport.upstream.events.put({"n": n})
    assert end_subscriptions(SUBSCRIPTION_SCHEMA_RELOAD, "reloaded", owner=owner) == 1
    [last] = [part async for part in events]
    assert last["errors"][0]["extensions"]["code"] == SUBSCRIPTION_SCHEMA_RELOAD
    assert transport.upstream.closed
