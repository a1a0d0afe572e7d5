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

Child processes (`ProcessSpec`, compute_process.py): a job submitted with its
remote form runs in a compile process instead of on the thread, so it does not
hold this process's interpreter lock at all; the queue, its bound, the sharing
and the skipping above stay here, and the thread keeps the prompt lane and the
jobs that need this process's objects (introspection).
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
from collections import deque
from collections.abc import Callable, Hashable
from typing import Any, Final, TypeVar

from supergraph.pipeline.compute_process import ProcessSpec, ProcessWorker, RemoteJob

T = TypeVar("T")

logger = logging.getLogger(__name__)

CONCURRENCY_LIMITED_MESSAGE: Final = (
    "Your request has been concurrency limited during query processing: retry later."
)
SWITCH_INTERVAL: Final = 0.0001
"""Seconds a thread waiting for the interpreter lock waits before it asks for it."""
WORKER_NICENESS: Final = 10
DEFAULT_MAX_QUEUED: Final = 64
"""Jobs waiting or running: a fresh large operation costs up to ~0.2 s, so the last
one queued waits seconds, not minutes; each holds at most one document's text."""


_Job = tuple["concurrent.futures.Future[Any]", Callable[[], Any]]


class ComputeBusy(Exception):
    """The job queue is full: the request is refused, to be retried later."""


class ComputeJobs:
    """A worker thread for pure functions, with a bounded queue (see the module doc)."""

    def __init__(
        self, max_queued: int = DEFAULT_MAX_QUEUED, processes: ProcessSpec | None = None
    ) -> None:
        """`processes`: run the jobs submitted with a remote form in child processes
        (compute_process.py); the others, and the prompt lane, stay on the thread."""
        self.max_queued = max_queued
        self.queued = 0
        """Jobs waiting or running now (prompt ones not counted: see `run_prompt`)."""
        self.executed = 0
        self.rejected = 0
        self.shared = 0
        """Requests that joined an identical job already in flight."""
        self.prompt = 0
        """Prompt jobs run (`run_prompt`)."""
        self._worker: _Worker | None = None
        self._in_flight: dict[Hashable, _Flight] = {}
        self._spec = processes
        self._processes: ProcessWorker | None = None
        self.before_result: Callable[[], object] | None = None
        """Called before a child's result is loaded into this process (ProcessWorker's
        `before_load`): the router's fresh operations step aside there (fresh.py)."""

    @property
    def failed(self) -> int:
        """Jobs answered ComputeJobFailed (their compile process died)."""
        return self._processes.failed if self._processes is not None else 0

    @property
    def processes(self) -> ProcessWorker | None:
        """The child processes' worker, once started (None in thread mode)."""
        return self._processes

    def start(self) -> None:
        """Start the child processes now (a served router: its first fresh operation
        should not wait for them); otherwise they start with the first job."""
        if self._spec is not None and self._processes is None:
            # Results are unpickled on this process's threads: the loop takes the lock
            # back within the switch interval, as from the compute thread.
            if sys.getswitchinterval() > SWITCH_INTERVAL:
                sys.setswitchinterval(SWITCH_INTERVAL)
            self._processes = ProcessWorker(self._spec)
            self._processes.before_load = self.before_result

    async def run(self, key: Hashable, job: Callable[[], T], remote: RemoteJob | None = None) -> T:
        """`job()` on the worker thread, or `remote` in a child process when there are
        some (`job` then stands in when the child cannot send the result back); `key`
        names the work (equal keys, equal results). Raises ComputeBusy when the queue is
        full, ComputeJobFailed when the child died; whatever `job` raises otherwise."""
        flight = self._in_flight.get(key)
        if flight is None or flight.future.cancelled():
            if self.queued >= self.max_queued:
                self.rejected += 1
                raise ComputeBusy
            flight = self._submit(key, job, remote)
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

    async def run_prompt(self, job: Callable[[], T]) -> T:
        """`job()` on the worker thread before any job `run` queued: the last, bounded
        step of a request that has done everything else (shaping its large response),
        so it must not wait behind compilations (up to `max_queued` x 0.2 s). Never
        refused (each request has at most one, and already holds its data), never
        shared; a requester that goes away before it starts cancels it."""
        future = self._started().submit(lambda: self._counted(job, prompt=True), prompt=True)
        return await asyncio.wrap_future(future)

    def prompt_waiting(self) -> bool:
        """Whether a prompt job waits for the worker thread (any thread may ask)."""
        worker = self._worker
        return worker is not None and worker.prompt_waiting()

    def _submit(self, key: Hashable, job: Callable[[], Any], remote: RemoteJob | None) -> _Flight:
        self.queued += 1
        if remote is not None and self._spec is not None:
            self.start()
            assert self._processes is not None
            submitted = self._processes.submit(remote, lambda: self._counted(job, count=False))
        else:
            submitted = self._started().submit(lambda: self._counted(job))
        future = asyncio.wrap_future(submitted)
        flight = self._in_flight[key] = _Flight(future)

        def done(done: asyncio.Future[Any]) -> None:
            self.queued -= 1
            if remote is not None and self._spec is not None and not done.cancelled():
                self.executed += 1  # it ran (in a child, or standing in here)
            if self._in_flight.get(key) is flight:
                del self._in_flight[key]

        future.add_done_callback(done)
        return flight

    def _started(self) -> _Worker:
        worker = self._worker
        if worker is None:
            worker = self._worker = _Worker()
        return worker

    def _counted(self, job: Callable[[], T], *, prompt: bool = False, count: bool = True) -> T:
        # Only the worker thread writes these (`count`: False where the loop counts).
        if prompt:
            self.prompt += 1
        elif count:
            self.executed += 1
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
        """Stop the worker once the job it runs is done (a retired router's), and the
        child processes; the queued jobs are cancelled."""
        if self._worker is not None:
            self._worker.close()
            self._worker = None
        if self._processes is not None:
            self._processes.close()
            self._processes = None


class _Flight:
    """A submitted job and how many requests wait for it."""

    __slots__ = ("future", "waiters")

    def __init__(self, future: asyncio.Future[Any]) -> None:
        self.future = future
        self.waiters = 0


class _Worker:
    """One thread running jobs in order, prompt ones before the others."""

    def __init__(self) -> None:
        if sys.getswitchinterval() > SWITCH_INTERVAL:
            sys.setswitchinterval(SWITCH_INTERVAL)
        self._prompt: deque[_Job] = deque()
        self._queued: deque[_Job] = deque()
        self._ready = threading.Condition()
        self._closed = False
        threading.Thread(target=self._serve, name="compute", daemon=True).start()

    def submit(
        self, job: Callable[[], Any], *, prompt: bool = False
    ) -> concurrent.futures.Future[Any]:
        future: concurrent.futures.Future[Any] = concurrent.futures.Future()
        with self._ready:
            if self._closed:
                raise RuntimeError("the compute worker is closed")
            (self._prompt if prompt else self._queued).append((future, job))
            self._ready.notify()
        return future

    def prompt_waiting(self) -> bool:
        return bool(self._prompt)  # a length read: atomic under the interpreter lock

    def close(self) -> None:
        with self._ready:
            self._closed = True
            pending = [*self._prompt, *self._queued]
            self._prompt.clear()
            self._queued.clear()
            self._ready.notify()
        for future, _ in pending:
            future.cancel()

    def _serve(self) -> None:
        _lower_priority()
        while True:
            with self._ready:
                while not (self._prompt or self._queued or self._closed):
                    self._ready.wait()
                if self._closed:
                    return
                future, job = (self._prompt or self._queued).popleft()
            if not future.set_running_or_notify_cancel():
                continue  # its requesters went away before it started
            try:
                result = job()
            except BaseException as error:  # the requester gets it, as with an executor
                future.set_exception(error)
            else:
                future.set_result(result)


def _lower_priority() -> None:
    # On Linux a thread has its own nice value; elsewhere this may not apply.
    with contextlib.suppress(AttributeError, OSError):
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), WORKER_NICENESS)
