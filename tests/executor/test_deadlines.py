"""Fetch timeouts sharing one timer (executor/deadlines.py): asyncio.timeout's
semantics, and one timer armed for many fetches in flight."""

from __future__ import annotations

import asyncio

import pytest

from supergraph.executor.deadlines import FetchTimeouts
from supergraph.executor.transport import time_left


class _CountingTimeouts(FetchTimeouts):
    """Counts the timers armed on the loop."""

    __slots__ = ("armed_count",)

    def __init__(self) -> None:
        super().__init__(asyncio.get_running_loop())
        self.armed_count = 0

    def _arm(self, when: float) -> None:
        self.armed_count += 1
        super()._arm(when)


async def test_a_fetch_past_its_deadline_raises_timeout_error() -> None:
    timeouts = FetchTimeouts(asyncio.get_running_loop())
    with pytest.raises(TimeoutError):
        async with timeouts.after(0.02):
            await asyncio.sleep(5)
    assert not timeouts.armed


async def test_a_fetch_within_its_deadline_returns_and_sees_the_time_left() -> None:
    timeouts = FetchTimeouts(asyncio.get_running_loop())
    assert time_left() is None
    async with timeouts.after(30):
        left = time_left()
        assert left is not None and 29 < left <= 30
        await asyncio.sleep(0)
    assert time_left() is None


async def test_many_fetches_in_flight_share_one_timer() -> None:
    timeouts = _CountingTimeouts()
    release = asyncio.Event()

    async def fetch() -> str:
        async with timeouts.after(30):
            await release.wait()
        return "ok"

    tasks = [asyncio.create_task(fetch()) for _ in range(50)]
    await asyncio.sleep(0)
    release.set()
    assert await asyncio.gather(*tasks) == ["ok"] * 50
    assert timeouts.armed_count == 1  # asyncio.timeout: 50


async def test_a_shorter_deadline_rearms_the_timer_and_only_its_fetch_times_out() -> None:
    timeouts = _CountingTimeouts()
    release = asyncio.Event()

    async def fetch(delay: float) -> str:
        async with timeouts.after(delay):
            await release.wait()
        return "ok"

    slow = asyncio.create_task(fetch(30))
    await asyncio.sleep(0)
    short = asyncio.create_task(fetch(0.02))
    with pytest.raises(TimeoutError):
        await short
    assert not slow.done()
    release.set()
    assert await slow == "ok"
    # The 30 s timer, the 0.02 s one, then the 30 s one again after it fired.
    assert timeouts.armed_count == 3


async def test_a_deadline_left_behind_by_a_finished_fetch_does_not_cancel_the_next() -> None:
    timeouts = FetchTimeouts(asyncio.get_running_loop())
    async with timeouts.after(0.02):
        pass
    async with timeouts.after(0.2):
        await asyncio.sleep(0.05)  # past the first deadline: the timer fires, finds nothing
    # Left armed for 0.2 s (re-armed when it fired): it fires for nobody, then rests.
    assert timeouts.armed
    await asyncio.sleep(0.25)
    assert not timeouts.armed


async def test_a_cancellation_from_elsewhere_passes_through_as_cancellation() -> None:
    timeouts = FetchTimeouts(asyncio.get_running_loop())
    entered = asyncio.Event()

    async def fetch() -> None:
        async with timeouts.after(30):
            entered.set()
            await asyncio.sleep(5)

    task = asyncio.create_task(fetch())
    await entered.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert task.cancelled()


async def test_an_outer_cancellation_during_expiry_stays_a_cancellation() -> None:
    """As asyncio.timeout: when someone else also cancelled the task, it is their
    cancellation, not a timeout."""
    timeouts = FetchTimeouts(asyncio.get_running_loop())
    outcome: list[str] = []

    async def fetch() -> None:
        try:
            async with timeouts.after(0.01):
                try:
                    await asyncio.sleep(5)
                finally:
                    asyncio.current_task().cancel()  # type: ignore[union-attr]
                    await asyncio.sleep(0)
        except TimeoutError:
            outcome.append("timeout")
        except asyncio.CancelledError:
            outcome.append("cancelled")
            raise

    task = asyncio.create_task(fetch())
    with pytest.raises(asyncio.CancelledError):
        await task
    assert outcome == ["cancelled"]
