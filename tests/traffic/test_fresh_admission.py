"""The fresh-operation admission queue (pipeline/fresh.py), by counting.

A slot is held by the test; what waits, in what order, what is refused and
that the queue never passes its bounds are read from the queue's own counts.
Over HTTP with a router: tests/hostile/test_fresh_operations.py.
"""

from __future__ import annotations

import asyncio
import threading

import pytest

from supergraph.pipeline.fresh import (
    MAX_PAUSE,
    PAUSE_FIELDS,
    FreshOperations,
    FreshOperationsBusy,
    FreshOperationsOptions,
)


def lane(**options: object) -> FreshOperations:
    """The queue; a slot is free as soon as released unless `compile_share` is given."""
    settings = FreshOperationsOptions(**{"compile_share": 1.0, **options})  # type: ignore[arg-type]
    return FreshOperations(settings, settings.concurrency_limit or 1)


async def settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


async def test_turns_go_round_the_clients_not_first_come() -> None:
    fresh = lane(max_queued_per_client=3)
    order: list[str] = []
    release = asyncio.Event()

    async def hold() -> None:
        async with fresh.slot("holder"):
            await release.wait()

    async def compile_for(client: str, n: int) -> None:
        async with fresh.slot(client):
            order.append(f"{client}{n}")

    holder = asyncio.create_task(hold())
    await settle()
    assert fresh.running == 1
    # One client queues three, then two others one each.
    tasks = [asyncio.create_task(compile_for("a", n)) for n in range(3)]
    await settle()
    tasks += [asyncio.create_task(compile_for(c, 0)) for c in ("b", "c")]
    await settle()
    assert fresh.queued == 5 and fresh.waiting_of("a") == 3
    release.set()
    await asyncio.gather(holder, *tasks)
    assert order == ["a0", "b0", "c0", "a1", "a2"]
    assert fresh.running == 0 and fresh.queued == 0
    assert fresh.admitted == 6 and fresh.refused == 0


async def test_a_client_over_its_share_is_refused_and_others_still_queue() -> None:
    fresh = lane(max_queued_per_client=2, max_queued=3)
    release = asyncio.Event()

    async def hold() -> None:
        async with fresh.slot("holder"):
            await release.wait()

    async def compile_for(client: str) -> str:
        try:
            async with fresh.slot(client):
                return "admitted"
        except FreshOperationsBusy:
            return "refused"

    holder = asyncio.create_task(hold())
    await settle()
    first = [asyncio.create_task(compile_for("a")) for _ in range(2)]
    await settle()
    # The client's own queue is full; another client still gets a place...
    assert await compile_for("a") == "refused"
    other = asyncio.create_task(compile_for("b"))
    await settle()
    # ...until everyone's is full.
    assert await compile_for("c") == "refused"
    assert fresh.queued == 3 and fresh.refused == 2
    release.set()
    outcomes = await asyncio.gather(*first, other)
    await holder
    assert outcomes == ["admitted"] * 3
    assert fresh.peak_queued == 3 and fresh.queued == 0 and fresh.running == 0


async def test_a_wait_past_the_timeout_is_refused_and_leaves_the_queue() -> None:
    fresh = lane(queue_timeout=0.05)
    release = asyncio.Event()

    async def hold() -> None:
        async with fresh.slot("holder"):
            await release.wait()

    holder = asyncio.create_task(hold())
    await settle()
    with pytest.raises(FreshOperationsBusy):
        async with fresh.slot("a"):
            pytest.fail("admitted while the only slot was held")
    assert fresh.timed_out == 1 and fresh.queued == 0 and fresh.waiting_of("a") == 0
    release.set()
    await holder
    # The slot is free again: the next one is admitted at once.
    async with fresh.slot("a"):
        assert fresh.running == 1
    assert fresh.running == 0


async def test_a_cancelled_waiter_leaves_the_queue_and_the_slot_goes_on() -> None:
    fresh = lane()
    release = asyncio.Event()
    admitted: list[str] = []

    async def hold() -> None:
        async with fresh.slot("holder"):
            await release.wait()

    async def compile_for(client: str) -> None:
        async with fresh.slot(client):
            admitted.append(client)

    holder = asyncio.create_task(hold())
    await settle()
    gone = asyncio.create_task(compile_for("a"))
    stays = asyncio.create_task(compile_for("b"))
    await settle()
    assert fresh.queued == 2
    gone.cancel()
    await settle()
    assert fresh.queued == 1 and fresh.waiting_of("a") == 0
    release.set()
    await asyncio.gather(holder, stays)
    assert admitted == ["b"] and fresh.running == 0


def test_the_compute_thread_pauses_only_while_cached_requests_are_in_progress() -> None:
    fresh = lane()
    assert fresh.pause() == PAUSE_FIELDS
    assert fresh.pauses == 0  # nothing to step aside for
    with fresh.cached():
        paused: list[int] = []
        thread = threading.Thread(target=lambda: paused.append(fresh.pause()))
        thread.start()
        thread.join()
        assert paused == [PAUSE_FIELDS] and fresh.pauses == 1  # waited MAX_PAUSE at most
    assert MAX_PAUSE < 0.01
    assert fresh.cached_in_progress == 0
    fresh.pause()
    assert fresh.pauses == 1


def test_no_pause_while_a_cached_answer_waits_for_the_same_thread() -> None:
    """A cached request's large answer queued for the compute thread (its prompt
    lane) would only wait longer if the fresh shaping ahead of it paused."""
    urgent = [True]
    fresh = FreshOperations(FreshOperationsOptions(), 1, lambda: urgent[0])
    with fresh.cached():
        assert fresh.pause() == PAUSE_FIELDS
        assert fresh.pauses == 0
        urgent[0] = False
        fresh.pause()
        assert fresh.pauses == 1


async def test_the_same_operation_sent_by_many_waits_once_and_is_refused_together() -> None:
    fresh = lane(max_queued=1, queue_timeout=1.0)
    release = asyncio.Event()
    ran: list[str] = []

    async def hold() -> None:
        async with fresh.slot("holder"):
            await release.wait()

    async def compile_for(client: str, key: str) -> str:
        try:
            async with fresh.slot(client, key):
                ran.append(client)
                return "admitted"
        except FreshOperationsBusy:
            return "refused"

    holder = asyncio.create_task(hold())
    await settle()
    # Ten senders of one operation: one place in the queue (max_queued 1), not ten.
    same = [asyncio.create_task(compile_for(f"c{n}", "op")) for n in range(10)]
    await settle()
    assert fresh.queued == 1 and fresh.shared == 9
    # Its turn never comes (the holder keeps the slot past the timeout): all refused.
    assert await asyncio.gather(*same) == ["refused"] * 10
    assert fresh.timed_out == 1 and fresh.refused == 0 and fresh.queued == 0
    # Sent again while the slot is held, then the slot is freed in time: admitted
    # once; the others that waited for it go on without a slot.
    again = [asyncio.create_task(compile_for(f"c{n}", "op")) for n in range(5)]
    await settle()
    assert fresh.queued == 1 and fresh.shared == 9 + 4
    release.set()
    await holder
    assert await asyncio.gather(*again) == ["admitted"] * 5
    assert fresh.admitted == 2 and fresh.running == 0 and fresh.queued == 0


async def test_by_default_one_client_may_use_the_whole_queue() -> None:
    """No bound per client unless set: behind a proxy not listed in
    forwarded_allow_ips every client has the proxy's address."""
    fresh = lane(max_queued=8)
    assert fresh.options.max_queued_per_client is None
    release = asyncio.Event()

    async def hold() -> None:
        async with fresh.slot("holder"):
            await release.wait()

    async def compile_for(n: int) -> None:
        async with fresh.slot("proxy"):
            pass

    holder = asyncio.create_task(hold())
    await settle()
    tasks = [asyncio.create_task(compile_for(n)) for n in range(8)]
    await settle()
    assert fresh.waiting_of("proxy") == 8
    with pytest.raises(FreshOperationsBusy):
        async with fresh.slot("proxy"):
            pass
    release.set()
    await asyncio.gather(holder, *tasks)
    assert fresh.admitted == 9 and fresh.refused == 1


async def test_a_slot_stays_closed_after_a_compilation_for_its_share() -> None:
    """compile_share 0.5: after a compilation the slot is not free at once; the next
    one waits for it (counted, not timed), then is admitted."""
    fresh = lane(compile_share=0.5)
    compiled = asyncio.Event()

    async def compile_once() -> None:
        async with fresh.slot("a"):
            await asyncio.sleep(0.01)  # the compilation's time
        compiled.set()

    first = asyncio.create_task(compile_once())
    await compiled.wait()
    await first
    assert fresh.running == 1 and fresh.admitted == 1  # closed for its share
    second = asyncio.create_task(compile_once())
    await settle()
    assert fresh.queued == 1  # waits for the closed slot
    compiled.clear()
    await second
    assert fresh.admitted == 2 and fresh.running == 1
    # Freed once its own closed time is over: a third is admitted then.
    async with fresh.slot("b"):
        assert fresh.admitted == 3 and fresh.queued == 0


async def test_with_share_one_a_slot_is_free_as_soon_as_the_compilation_ends() -> None:
    fresh = lane(compile_share=1.0)
    async with fresh.slot("a"):
        assert fresh.running == 1
    assert fresh.running == 0
