"""`RequestLoader`: aiodataloader's `DataLoader` made safe for one request's resolvers.

Two things differ from the plain `DataLoader`:

- `load(key)` returns a *shielded* view of the cached future. aiodataloader hands the
  same future to every resolver that loads the same key; awaiting a future in a task
  that gets cancelled cancels the future itself. graphql-core cancels the sibling
  fields of a field whose error nulls their parent, so one bad argument used to
  cancel a batch result that other fields of the request were still awaiting: they
  got `CancelledError`, which no GraphQL error handling catches (an HTTP 500). With
  the shield, a cancelled resolver only stops waiting; the others get their value.
- Keys that cannot match the column (see `_keys.py`) resolve to the "missing" value
  at once, without joining the batch, so they cannot fail it for everybody.

A batch's failure reaches every resolver still awaiting it (as a GraphQL error). The
batch of a request that has ended meanwhile fails with `SessionClosedError` with
nobody left to await it; it is marked as seen so that asyncio does not log
"Future exception was never retrieved" for it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Hashable
from functools import partial
from typing import Any, Generic, TypeVar

from aiodataloader import DataLoader
from sqlalchemy.orm import QueryableAttribute

from loaders._keys import key_check

KeyT = TypeVar("KeyT", bound=Hashable)
ValueT = TypeVar("ValueT")


class RequestLoader(DataLoader[KeyT, ValueT], Generic[KeyT, ValueT]):
    """A batch loader keyed by `column`; `missing()` is the value of a key without rows."""

    def __init__(self, column: QueryableAttribute[Any], missing: Callable[[], ValueT]) -> None:
        super().__init__()
        self._may_match = key_check(column)
        self._missing = missing

    def load(self, key: KeyT) -> asyncio.Future[ValueT]:
        if not self._may_match(key):
            answered: asyncio.Future[ValueT] = self.loop.create_future()
            answered.set_result(self._missing())
            return answered
        shared = super().load(key)
        if shared.done():  # a cached result: awaiting it cannot cancel it
            _relay(None, shared)
            return shared
        # `asyncio.shield` in substance (a future of our own that mirrors the shared
        # one), at a third of its cost: this runs once per entity and relationship.
        own: asyncio.Future[ValueT] = self.loop.create_future()
        shared.add_done_callback(partial(_relay, own))
        return own


def _relay(own: asyncio.Future[Any] | None, shared: asyncio.Future[Any]) -> None:
    """Pass `shared`'s outcome to `own` unless `own` was cancelled; mark it seen."""
    if shared.cancelled():
        if own is not None and not own.done():
            own.cancel()
        return
    error = shared.exception()  # also marks the exception as retrieved
    if own is None or own.done():
        return
    if error is not None:
        own.set_exception(error)
    else:
        own.set_result(shared.result())
