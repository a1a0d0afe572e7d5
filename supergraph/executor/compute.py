"""Compute jobs: the CPU-heavy, pure work of a request, off the event loop.

Parsing and validating a document the router has not seen, planning it, and
executing introspection can each take tens of milliseconds of pure Python (a
fresh 32 KB operation: ~50 ms in graphql-core's parser alone). On the event
loop, that time is taken from every other request: four clients sending fresh
large operations pushed a simple cached query's p99 from ~1.5 ms to over a
second (bench/hostile.py, large_operations). So that work runs here, as a job
on one worker thread, while the loop goes on serving; only the caches' lookups
and updates stay on the loop (they are not thread-safe, and they are cheap).

Why one thread: the interpreter lock lets one thread run Python at a time, so
more threads would not add CPU, only more interleaving. What makes the loop
responsive is that it gets the lock back quickly: a waiting thread takes it
after the switch interval, which the first job lowers from CPython's 5 ms to
`SWITCH_INTERVAL`. Measured with bench/hostile.py's large_operations (four
clients sending fresh 32 KB operations, 40 a second, more than the worker can
parse): the simple query's p50/p99 under that flood 3.4/6.4 ms at 0.5 ms, 1.8/4.6
ms at 0.1 ms (1.3/2.1 ms idle), the same abusive requests answered; with 5 ms it
was 32 ms at p99. Forced switches happen only while both threads want the lock.
The worker also runs at a lower OS priority (nice +10), so that with both cores
busy the scheduler prefers the loop's thread.

Back-pressure, as Apollo Router's compute jobs: at most `max_queued` jobs wait
or run; more are refused at once with REQUEST_CONCURRENCY_LIMITED (HTTP 503),
instead of queueing work nobody may wait for. Identical jobs in flight (the same
new operation from many clients at once) run once and share the result. A job
whose every requester has gone (cancelled) before it started is skipped.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import gc
import logging
import os
import sys
import threading
from collections.abc import Callable, Hashable
from typing import Any, Final, TypeVar

T = TypeVar("T")

logger = logging.getLogger(__name__)

REQUEST_CONCURRENCY_LIMITED: Final = "REQUEST_CONCURRENCY_LIMITED"
CONCURRENCY_LIMITED_MESSAGE: Final = (
    "Your request has been concurrency limited during query processing: retry later."
)
SWITCH_INTERVAL: Final = 0.0001
"""Seconds a thread waiting for the interpreter lock waits before it asks for it."""
WORKER_NICENESS: Final = 10
DEFAULT_MAX_QUEUED: Final = 64
"""Jobs waiting or running: a fresh large operation costs up to ~0.2 s, so the last
one queued waits seconds, not minutes; each holds at most one document's text."""


class ComputeBusy(Exception):
    """The job queue is full: the request is refused, to be retried later."""


class ComputeJobs:
    """A worker thread for pure functions, with a bounded queue (see the module doc)."""

    def __init__(self, max_queued: int = DEFAULT_MAX_QUEUED) -> None:
        self.max_queued = max_queued
        self.queued = 0
        """Jobs waiting or running now."""
        self.executed = 0
        self.rejected = 0
        self.shared = 0
        """Requests that joined an identical job already in flight."""
        self._pool: concurrent.futures.ThreadPoolExecutor | None = None
        self._in_flight: dict[Hashable, _Flight] = {}

    async def run(self, key: Hashable, job: Callable[[], T]) -> T:
        """`job()` on the worker thread; `key` names the work (equal keys, equal results).
        Raises ComputeBusy when the queue is full; whatever `job` raises otherwise."""
        flight = self._in_flight.get(key)
        if flight is None or flight.future.cancelled():
            if self.queued >= self.max_queued:
                self.rejected += 1
                raise ComputeBusy
            flight = self._submit(key, job)
        else:
            self.shared += 1
        flight.waiters += 1
        try:
            # A requester that goes away must not cancel the job others wait for...
            result: T = await asyncio.shield(flight.future)
        finally:
            flight.waiters -= 1
            if flight.waiters == 0 and not flight.future.done():
                flight.future.cancel()  # ...but a job nobody waits for need not start
        return result

    def _submit(self, key: Hashable, job: Callable[[], Any]) -> _Flight:
        pool = self._pool
        if pool is None:
            pool = self._pool = _start_pool()
        self.queued += 1
        future = asyncio.get_running_loop().run_in_executor(pool, self._counted, job)
        flight = self._in_flight[key] = _Flight(future)

        def done(_future: asyncio.Future[Any]) -> None:
            self.queued -= 1
            if self._in_flight.get(key) is flight:
                del self._in_flight[key]

        future.add_done_callback(done)
        return flight

    def _counted(self, job: Callable[[], T]) -> T:
        self.executed += 1  # only the worker thread writes it
        # No automatic collection while a job runs: a collection holds the interpreter
        # lock throughout, so the loop waits for all of it, and during a job it would
        # only scan the job's live objects (a 32 KB operation's AST, the planner's
        # state), which reference counting frees afterwards; planning one leaves ~200
        # objects in cycles. Measured in process, four clients compiling fresh 32 KB
        # operations: 143 collections in 8 s, up to 42 ms each, and the loop's p99
        # lag 13 ms; with this, see the module doc.
        enabled = gc.isenabled()
        gc.disable()
        try:
            return job()
        finally:
            if enabled:
                gc.enable()

    def close(self) -> None:
        """Stop the worker once the jobs it has are done (a retired router's)."""
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None


class _Flight:
    """A submitted job and how many requests wait for it."""

    __slots__ = ("future", "waiters")

    def __init__(self, future: asyncio.Future[Any]) -> None:
        self.future = future
        self.waiters = 0


def _start_pool() -> concurrent.futures.ThreadPoolExecutor:
    if sys.getswitchinterval() > SWITCH_INTERVAL:
        sys.setswitchinterval(SWITCH_INTERVAL)
    return concurrent.futures.ThreadPoolExecutor(
        max_workers=1, thread_name_prefix="compute", initializer=_lower_priority
    )


def _lower_priority() -> None:
    # On Linux a thread has its own nice value; elsewhere this may not apply.
    with contextlib.suppress(AttributeError, OSError):
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), WORKER_NICENESS)
