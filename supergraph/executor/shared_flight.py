"""Identical work in flight at once runs once: the mechanism both de-duplicators share.

    flights = SharedFlights[Key, Result](restore=...)
    flight = flights.get(key) or flights.take_off(key, work(), tag)
    result = await flights.share(key, flight)

Used by the subgraph-level de-duplicator (dedup.py: one request per identical fetch)
and the inbound one (pipeline/inbound_dedup.py: one execution per identical client
query). The work runs in its own task, so a requester that gives up (timeout,
client gone) does not cancel it for the others; the last one to give up does. An
error reaches every requester.

Requesters mutate what they get (the executor merges answers into its tree, the
pipeline masks and shapes them), so every requester but the last gets its own copy,
taken from a snapshot made when the work lands, before any requester resumes: the
result encoded by orjson once, or, when orjson cannot encode it (a value JSON
cannot hold), a deep copy. A user whose results are decoded JSON passes `copy`
instead (the subgraph de-duplicator, compiled: `merge.copy_tree`, new objects and
lists around the same strings and numbers, twice as fast as decoding again): the
snapshot and each requester's copy are made by it. `restore(copy, original)` gives a
copy back what the encoding or `copy` lost (the carried Cache-Control, a tuple's
type).
"""

from __future__ import annotations

import asyncio
import copy
from collections.abc import Callable, Coroutine, Hashable
from typing import Any, Generic, TypeVar

import orjson

K = TypeVar("K", bound=Hashable)
T = TypeVar("T")


class Flight(Generic[T]):
    """One piece of work in flight and the requesters waiting for it."""

    __slots__ = ("copier", "encoded", "pristine", "tag", "task", "waiters", "waiting")

    def __init__(self, task: asyncio.Task[T], tag: object) -> None:
        self.task = task
        self.tag = tag
        """What the requester that started it wants the others to see (a span, a scope)."""
        self.waiters = 0
        self.waiting: list[asyncio.Future[T]] = []
        """A future per requester waiting, resolved when the task lands: what `shield`
        would make, without its wrapper (13,500 instructions a flight, callgrind)."""
        self.encoded: bytes | None = None
        self.pristine: T | None = None
        """The snapshot requesters copy from when it is not `encoded`."""
        self.copier: Callable[[T], T] = copy.deepcopy
        """What made `pristine`, and makes each copy of it."""


def _decoded(copy: Any, original: Any) -> Any:
    return copy


class SharedFlights(Generic[K, T]):
    def __init__(
        self, restore: Callable[[Any, T], T] = _decoded, copy: Callable[[T], T] | None = None
    ) -> None:
        self._flights: dict[K, Flight[T]] = {}
        self._restore = restore
        self._copy = copy

    def get(self, key: K) -> Flight[T] | None:
        return self._flights.get(key)

    def take_off(self, key: K, work: Coroutine[Any, Any, T], tag: object = None) -> Flight[T]:
        # The task inherits this context (contextvars: the span, the cache scope).
        flight: Flight[T] = Flight(asyncio.create_task(self._flown(key, work)), tag)
        self._flights[key] = flight

        # Registered before any requester awaits the task: the snapshot is taken before
        # any of them resumes.
        def land(task: asyncio.Task[T]) -> None:
            self._forget(key, flight)
            if not task.cancelled() and task.exception() is None and flight.waiters > 1:
                result = task.result()
                try:
                    if self._copy is not None:
                        flight.pristine = self._copy(result)
                        flight.copier = self._copy
                    else:
                        flight.encoded = orjson.dumps(result)
                except Exception:  # orjson.JSONEncodeError, or what `copy` does not take
                    # Raised here, in a done callback, it would leave every requester
                    # waiting: deep-copied instead.
                    flight.pristine = copy.deepcopy(result)
                    flight.copier = copy.deepcopy
            waiting, flight.waiting = flight.waiting, []
            for waiter in waiting:
                if waiter.done():  # its requester gave up
                    continue
                if task.cancelled():
                    waiter.cancel()
                elif (error := task.exception()) is not None:
                    waiter.set_exception(error)
                else:
                    waiter.set_result(task.result())

        flight.task.add_done_callback(land)
        return flight

    async def _flown(self, key: K, work: Coroutine[Any, Any, T]) -> T:
        try:
            return await work
        finally:
            # Forgotten before the task is done, not in `land` (a loop step later): a
            # requester joining in between would get the result with no snapshot taken
            # for it, and `land`, counting one waiter, would take none for the first.
            current = self._flights.get(key)
            if current is not None and current.task is asyncio.current_task():
                del self._flights[key]

    async def share(self, key: K, flight: Flight[T]) -> T:
        """The flight's result: the original to the last requester, a copy to the others."""
        flight.waiters += 1
        task = flight.task
        try:
            if task.done():
                result = task.result()
            else:
                waiter: asyncio.Future[T] = asyncio.get_running_loop().create_future()
                flight.waiting.append(waiter)
                result = await waiter
        except asyncio.CancelledError:
            flight.waiters -= 1
            if flight.waiters == 0 and not flight.task.done():
                # Nobody waits any more: stop the work (it has no timeout of its own).
                self._forget(key, flight)
                flight.task.cancel()
            raise
        flight.waiters -= 1
        if flight.waiters == 0:
            return result
        if flight.encoded is not None:
            return self._restore(orjson.loads(flight.encoded), result)
        pristine = flight.pristine
        if pristine is not None:
            if flight.waiters == 1:
                # The last copy: the one requester left takes the original (or gives
                # up), and nobody joins a flight that landed, so the snapshot is this
                # requester's own: one copy fewer a flight.
                flight.pristine = None
                return self._restore(pristine, result)
            return self._restore(flight.copier(pristine), result)
        return result

    def _forget(self, key: K, flight: Flight[T]) -> None:
        if self._flights.get(key) is flight:
            del self._flights[key]

    def __len__(self) -> int:
        return len(self._flights)
