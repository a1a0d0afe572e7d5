"""Subgraph fetch timeouts that share one timer.

`asyncio.timeout` arms a timer for each use: with uvloop a libuv timer started
and stopped, plus three running-loop lookups (each a `getpid()` on 3.11), about
4.7 us a fetch, and 5% of a small query's instructions in a served router
(`python -m bench.profile --operation small_join --callgrind 200`: 2.32 M per
request, 2.20 M without the timeout). A fetch's timeout (30 s by default)
almost never fires, so here every fetch in flight on a loop shares one timer,
armed for the earliest deadline: entering costs a dict insert and leaving a
delete; the timer is re-armed only when a deadline comes before it (a shorter
timeout) or when it fires (then for the earliest deadline left).

The semantics are `asyncio.timeout`'s: at the deadline the task is cancelled,
and leaving with that cancellation raises TimeoutError; a cancellation from
elsewhere (the client gone, a sibling failed) passes through as it is. The
fetch's deadline is also the one `transport.time_left()` reads.
"""

from __future__ import annotations

import asyncio
from contextvars import Token
from types import TracebackType

from supergraph.executor.transport import reset_deadline, set_deadline


class FetchTimeouts:
    """The fetch timeouts of one event loop."""

    __slots__ = ("_active", "_timer", "_timer_at", "loop")

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self._active: dict[FetchTimeout, None] = {}
        """The timeouts entered and not yet left or expired (a dict as an ordered set)."""
        self._timer: asyncio.TimerHandle | None = None
        self._timer_at = 0.0

    def after(self, delay: float) -> FetchTimeout:
        """The context of a fetch that may take `delay` seconds."""
        return FetchTimeout(self, self.loop.time() + delay)

    @property
    def armed(self) -> bool:
        """Whether the shared timer is set (tests)."""
        return self._timer is not None

    def enter(self, timeout: FetchTimeout) -> None:
        self._active[timeout] = None
        timer = self._timer
        if timer is None or timeout.deadline < self._timer_at:
            if timer is not None:
                timer.cancel()
            self._arm(timeout.deadline)

    def leave(self, timeout: FetchTimeout) -> None:
        self._active.pop(timeout, None)

    def _arm(self, when: float) -> None:
        self._timer = self.loop.call_at(when, self._fire)
        self._timer_at = when

    def _fire(self) -> None:
        self._timer = None
        # Due: what the timer was armed for, even when the loop runs it a clock tick
        # early (asyncio's loop runs timers due within its clock resolution), as
        # asyncio.timeout's own timer would expire it.
        now = max(self.loop.time(), self._timer_at)
        earliest: float | None = None
        for timeout in list(self._active):
            if timeout.deadline <= now:
                del self._active[timeout]
                timeout.expire()
            elif earliest is None or timeout.deadline < earliest:
                earliest = timeout.deadline
        if earliest is not None:
            self._arm(earliest)


class FetchTimeout:
    """`async with timeouts.after(delay):` as `async with asyncio.timeout(delay):`."""

    __slots__ = ("_cancelling", "_owner", "_task", "_token", "deadline", "expired")

    def __init__(self, owner: FetchTimeouts, deadline: float) -> None:
        self._owner = owner
        self.deadline = deadline
        self.expired = False
        self._task: asyncio.Task[object] | None = None
        self._cancelling = 0
        self._token: Token[float | None] | None = None

    async def __aenter__(self) -> FetchTimeout:
        task = asyncio.current_task(self._owner.loop)
        if task is None:
            raise RuntimeError("a fetch timeout must be used inside a task")
        self._task = task
        self._cancelling = task.cancelling()
        self._token = set_deadline(self.deadline)
        self._owner.enter(self)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._owner.leave(self)
        if self._token is not None:
            reset_deadline(self._token)
        if self.expired:
            assert self._task is not None
            # As asyncio.timeout: the cancellation is ours only if nobody else asked
            # for one meanwhile.
            if self._task.uncancel() <= self._cancelling and exc_type is asyncio.CancelledError:
                raise TimeoutError from exc

    def expire(self) -> None:
        """The deadline passed inside the context: cancel the task (the shared timer)."""
        self.expired = True
        if self._task is not None:
            self._task.cancel()
