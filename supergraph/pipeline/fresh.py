"""Fresh operations: admitted fairly, bounded, and below cached ones in priority.

An operation no cache holds (a fresh one) costs the router 0.1-0.5 s of
compilation (in a compile process: compute_process.py) and then, the first time
its answer is shaped, 4-5 ms of pure Python on the compute thread: 4-5x a repeat
shaping. Cached operations, what almost all production traffic is, cost about a
millisecond. Measured with `python -m bench.hostile` (large_operations: four
clients sending fresh 32 KB operations), that work pushed a cached simple
query's p99 to x2.3-3.5 of idle, while its p50 did not move: the loop's cached
requests waited for the interpreter lock the compute thread held while shaping
the fresh operations' answers. Two rules, both on by default:

- **Admission.** A fresh operation's compilation takes a slot; at most
  `concurrency_limit` run at once (default: one per compile process, so the
  processes never queue work of their own). The others wait in a queue served
  in turn *per client* (the client's address, behind `forwarded_allow_ips` the
  one the proxies forward for): one client sending many fresh operations waits
  for its own, and a second client's first one goes next. At most `max_queued`
  wait (and, when set, `max_queued_per_client` of one client); more, or a wait
  past `queue_timeout`, is refused with REQUEST_CONCURRENCY_LIMITED (HTTP 503,
  `retry-after`), as Apollo Router refuses what its compute queue cannot take.
  The same operation sent by many at once waits once (the others wait for it).
  Cached operations never enter this queue.
- **A CPU budget.** A slot stays closed after each compilation for as long as
  the compilation took (`compile_share` 0.5): under a flood of fresh
  operations the compile process keeps half a core busy, not a whole one (on
  two cores, a whole one left the cached requests' client, loop and subgraphs
  one core between them). An occasional fresh operation never waits for it.
- **Priority.** While cached-operation requests are in progress in this
  process, the compute thread shaping a fresh operation's answer steps aside
  every `PAUSE_FIELDS` fields, for at most `MAX_PAUSE` each time (it waits on an
  event, without the interpreter lock), so the loop runs the cached requests
  without sharing the lock. Loading a compile process's result (about 1 ms
  with the lock held, for 3,300 fields) waits the same way before it starts
  (compute.py `before_result`). A pause is skipped when a cached request's
  large answer waits for the compute thread (its prompt lane): pausing the
  thread would make that request wait. The bound keeps fresh operations moving under
  constant cached traffic: at worst a 3,300-field answer takes ~13 pauses
  (~26 ms) longer.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections import deque
from collections.abc import AsyncIterator, Callable, Hashable, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from typing import Final

from supergraph.pipeline.compute import ComputeBusy

PAUSE_FIELDS: Final = 250
"""Fields a fresh operation's shaping completes between two checks (about 0.1 ms)."""
MAX_PAUSE: Final = 0.002
"""Seconds one check waits at most for the cached requests in progress to end."""
DEFAULT_MAX_QUEUED: Final = 64
DEFAULT_QUEUE_TIMEOUT: Final = 10.0
"""Seconds a fresh operation waits for its turn: a few dozen compilations."""
_DONE: Final = "done"
_REFUSED: Final = "refused"
_GONE: Final = "gone"
"""A leader's outcomes (what requests waiting on the same work do next)."""
ANONYMOUS: Final = ""
"""The client key of requests whose address the edge does not know (library use)."""


@dataclass(frozen=True, slots=True)
class FreshOperationsOptions:
    """router.yaml `compute_jobs.fresh_operations` (docs/router-config.md)."""

    concurrency_limit: int | None = None
    """Fresh operations compiled at once; None: one per compile process (at least 1)."""
    max_queued: int = DEFAULT_MAX_QUEUED
    max_queued_per_client: int | None = None
    """None: no bound of its own (`max_queued`). Behind a proxy not listed in
    `forwarded_allow_ips` every client has the proxy's address: a bound per client
    would then refuse everyone's bursts (after a deploy, a page's new operations)."""
    queue_timeout: float = DEFAULT_QUEUE_TIMEOUT
    yield_to_cached: bool = True
    """Shaping a fresh operation's answer pauses while cached requests are in progress."""
    compile_share: float = 0.5
    """Of each slot's time, the most its compilations may use: after a compilation of
    t seconds the slot stays closed t * (1 / share - 1) seconds (1.0: never). Under a
    flood the compile process then keeps at most half a core busy, not a whole one."""


class FreshOperationsBusy(ComputeBusy):
    """Refused: the client's (or everyone's) queue is full, or its turn came too late."""


class FreshOperations:
    """The admission queue and the priority signal (see the module doc); one per router,
    used on its event loop, except `pause` (the compute thread)."""

    def __init__(
        self,
        options: FreshOperationsOptions,
        concurrency_limit: int,
        urgent: Callable[[], bool] | None = None,
    ) -> None:
        """`urgent`: whether the thread that would pause has more urgent work waiting
        (a cached request's large answer to shape behind this one: pausing would
        only make it wait longer)."""
        self.options = options
        self._urgent = urgent
        self.concurrency_limit = concurrency_limit
        self.running = 0
        self.queued = 0
        """Waiting for a slot, all clients (at most `options.max_queued`)."""
        self.peak_queued = 0
        """The most that ever waited at once (never above `options.max_queued`)."""
        self.admitted = 0
        self.refused = 0
        """Refused at once: a full queue (the client's or everyone's)."""
        self.timed_out = 0
        self.pauses = 0
        """Times the compute thread stepped aside for cached requests."""
        self.cached_in_progress = 0
        self.shared = 0
        """Requests that waited for an identical one's compilation instead of queueing."""
        self._leaders: dict[Hashable, asyncio.Future[object]] = {}
        """By work key: the outcome of the request that waits or compiles for it."""
        self._waiting: dict[str, deque[asyncio.Future[None]]] = {}
        self._turns: deque[str] = deque()
        """Clients with operations waiting, in the order their next one is served."""
        self._quiet = threading.Event()
        """Set while no cached request is in progress."""
        self._quiet.set()

    def waiting_of(self, client: str) -> int:
        waiting = self._waiting.get(client)
        return 0 if waiting is None else len(waiting)

    @asynccontextmanager
    async def slot(self, client: str, key: Hashable = None) -> AsyncIterator[None]:
        """Hold one of the `concurrency_limit` slots (after waiting for this client's
        turn); raises FreshOperationsBusy when refused. `key` names the work: a request
        whose key is already waiting or compiling takes no place of its own, it waits
        for that one (and is refused with it), then goes on without a slot (what it
        needs is cached by then, or shared in the compute queue)."""
        while key is not None and (leader := self._leaders.get(key)) is not None:
            self.shared += 1
            led = await asyncio.shield(leader)
            if led is _REFUSED:
                raise FreshOperationsBusy
            if led is _DONE:
                yield
                return
            # The leader went away before its turn: try again (maybe as the leader).
        leading: asyncio.Future[object] | None = None
        if key is not None:
            leading = self._leaders[key] = asyncio.get_running_loop().create_future()
        outcome: object = _GONE
        try:
            try:
                await self._acquire(client)
            except FreshOperationsBusy:
                outcome = _REFUSED
                raise
            started = time.monotonic()
            try:
                yield
                outcome = _DONE
            finally:
                self._release_after(time.monotonic() - started)
        finally:
            if leading is not None:
                del self._leaders[key]
                leading.set_result(outcome)

    @contextmanager
    def cached(self) -> Iterator[None]:
        """A cached operation's request in progress (fresh operations' shaping yields)."""
        self.begin_cached()
        try:
            yield
        finally:
            self.end_cached()

    def begin_cached(self) -> None:
        """`cached()` without the generator (the router's path for every cached request)."""
        self.cached_in_progress += 1
        if self.cached_in_progress == 1:
            self._quiet.clear()

    def end_cached(self) -> None:
        self.cached_in_progress -= 1
        if self.cached_in_progress == 0:
            self._quiet.set()

    def pause(self) -> int:
        """On the compute thread, between two runs of `PAUSE_FIELDS` fields: wait (without
        the interpreter lock) while cached requests are in progress, at most `MAX_PAUSE`;
        the fields the shaping may complete before the next check."""
        if not self._quiet.is_set() and (self._urgent is None or not self._urgent()):
            self.pauses += 1
            self._quiet.wait(MAX_PAUSE)
        return PAUSE_FIELDS

    async def _acquire(self, client: str) -> None:
        if self.running < self.concurrency_limit and not self.queued:
            self.running += 1
            self.admitted += 1
            return
        options = self.options
        waiting = self._waiting.get(client)
        per_client = options.max_queued_per_client
        if self.queued >= options.max_queued or (
            per_client is not None and waiting is not None and len(waiting) >= per_client
        ):
            self.refused += 1
            raise FreshOperationsBusy
        if waiting is None:
            waiting = self._waiting[client] = deque()
            self._turns.append(client)
        turn: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        waiting.append(turn)
        self.queued += 1
        if self.queued > self.peak_queued:
            self.peak_queued = self.queued
        try:
            async with asyncio.timeout(options.queue_timeout):
                await turn
        except BaseException as error:
            if turn.done() and not turn.cancelled():
                self._release()  # the slot came as this request gave up: pass it on
            else:
                self._forget(client, turn)
            if isinstance(error, TimeoutError):
                self.timed_out += 1
                raise FreshOperationsBusy from None
            raise

    def _release_after(self, used: float) -> None:
        share = self.options.compile_share
        if share >= 1.0:
            self._release()
            return
        asyncio.get_running_loop().call_later(used * (1.0 / share - 1.0), self._release)

    def _release(self) -> None:
        """Hand the slot to the next client in turn, or free it."""
        turns = self._turns
        while turns:
            client = turns.popleft()
            waiting = self._waiting[client]
            turn = waiting.popleft()
            self.queued -= 1
            if waiting:
                turns.append(client)  # its next one waits for the other clients' turns
            else:
                del self._waiting[client]
            if not turn.done():
                turn.set_result(None)
                self.admitted += 1
                return  # the slot changes hands: `running` stays
        self.running -= 1

    def _forget(self, client: str, turn: asyncio.Future[None]) -> None:
        """A waiting request went away (timed out, cancelled): out of the queue."""
        turn.cancel()
        waiting = self._waiting.get(client)
        if waiting is None or turn not in waiting:
            return
        waiting.remove(turn)
        self.queued -= 1
        if not waiting:
            del self._waiting[client]
            self._turns.remove(client)
