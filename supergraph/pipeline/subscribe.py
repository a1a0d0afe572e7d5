"""Stage: a subscription's events, as a stream of response parts.

    (prepared subscription, variables, request) -> StreamedResponse of events | refusal

The primary fetch of the plan (planner/subscription.py) opens one upstream
subscription (executor/subscriptions.py); a reader task moves its events into a
bounded buffer, and the stream runs the rest of the plan for each event taken
from it (entity fetches, then shaping: the same stages as a query's answer,
authorization included, since the operation is already the caller's variant).

Bounds (router.yaml `subscription`, docs/subscriptions.md):

- `max_opened_subscriptions`: open subscriptions in this process; one more is
  refused (MAX_OPENED_SUBSCRIPTIONS_EXCEEDED) before any upstream work.
- `queue_capacity`: events read from the subgraph and not yet sent to the
  client. A slow client never grows it: when it is full the OLDEST buffered
  event is dropped (counted in `router_subscription_events_dropped`), so the
  client falls behind by skipping, and the latest state always arrives (a live
  view's last event is the one that matters; the subgraph's completion is never
  dropped).
- The token's expiry ends the subscription (SUBSCRIPTION_JWT_EXPIRED); a reload
  (SUBSCRIPTION_SCHEMA_RELOAD) or shutdown (SUBSCRIPTION_SHUTDOWN) ends every
  open one; a failed or dropped upstream ends it (SUBSCRIPTION_UPSTREAM_ERROR).
  Each of these is a last part with `errors` and no `data`; the stream then ends.

Closing the stream (the client went away: the edge calls `aclose`) stops the
reader and closes the upstream subscription at once.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Final

from supergraph.errors import (
    MAX_OPENED_SUBSCRIPTIONS_EXCEEDED,
    SUBSCRIPTION_JWT_EXPIRED,
    SUBSCRIPTION_UPSTREAM_ERROR,
    graphql_error,
)
from supergraph.executor.subscriptions import SubscriptionTransport, UpstreamError
from supergraph.executor.transport import SubgraphRequest
from supergraph.types import JSONObject

logger = logging.getLogger(__name__)

DEFAULT_QUEUE_CAPACITY: Final = 128
"""Apollo Router's `subscription.queue_capacity` default."""
DEFAULT_MAX_OPENED: Final = 10_000


@dataclass(frozen=True, slots=True)
class SubscriptionOptions:
    """router.yaml `subscription` (the parts the pipeline reads)."""

    enabled: bool = True
    max_opened_subscriptions: int | None = DEFAULT_MAX_OPENED
    queue_capacity: int = DEFAULT_QUEUE_CAPACITY


class SubscriptionRefused(Exception):
    def __init__(self, error: JSONObject) -> None:
        super().__init__(error["message"])
        self.error = error


@dataclass(slots=True)
class SubscriptionStats:
    """This process's subscriptions, over reloads (metrics read it)."""

    opened_total: int = 0
    events: int = 0
    dropped: int = 0
    rejected: int = 0


STATS: Final = SubscriptionStats()
_OPEN: Final[set[EventStream]] = set()


def open_subscriptions(owner: object | None = None) -> int:
    """Open subscriptions in this process (of `owner`'s, a router, when given)."""
    if owner is None:
        return len(_OPEN)
    return sum(1 for stream in _OPEN if stream.owner is owner)


def end_subscriptions(code: str, message: str, owner: object | None = None) -> int:
    """End every open subscription (of `owner`'s when given) with a coded last part;
    how many there were."""
    ended = [stream for stream in _OPEN if owner is None or stream.owner is owner]
    for stream in ended:
        stream.end(graphql_error(message, code=code))
    return len(ended)


async def wait_ended(seconds: float, owner: object | None = None) -> bool:
    """Whether the open subscriptions (`owner`'s) all ended within `seconds`."""
    deadline = time.monotonic() + seconds
    while open_subscriptions(owner):
        if time.monotonic() >= deadline:
            return False
        await asyncio.sleep(0.01)
    return True


RunEvent = Callable[[JSONObject], Awaitable[JSONObject]]
"""One upstream event -> the client's part (the rest of the plan, then shaping)."""

_COMPLETE: Final = object()


class EventStream:
    """One client subscription: an async iterator of parts, with `aclose`.

    Admitted (counted against the process cap) when built, released when closed or
    exhausted, whether or not it was ever iterated."""

    def __init__(
        self,
        owner: object,
        options: SubscriptionOptions,
        transport: SubscriptionTransport,
        subgraph: str,
        request: SubgraphRequest,
        run_event: RunEvent,
        expires_at: float | None = None,
    ) -> None:
        limit = options.max_opened_subscriptions
        if limit is not None and len(_OPEN) >= limit:
            STATS.rejected += 1
            message = f"This router holds its maximum of {limit} open subscriptions: retry later."
            raise SubscriptionRefused(
                graphql_error(message, code=MAX_OPENED_SUBSCRIPTIONS_EXCEEDED)
            )
        self.owner = owner
        self._capacity = max(1, options.queue_capacity)
        self._transport = transport
        self._subgraph = subgraph
        self._request = request
        self._run_event = run_event
        self._buffer: collections.deque[object] = collections.deque()
        self._ready = asyncio.Event()
        self._ending: JSONObject | None = None
        self._parts: AsyncIterator[JSONObject] | None = None
        self._released = False
        self.dropped = 0
        _OPEN.add(self)
        STATS.opened_total += 1
        self._expiry: asyncio.TimerHandle | None = None
        if expires_at is not None:
            delay = max(0.0, expires_at - time.time())
            message = "The token this subscription was opened with expired."
            error = graphql_error(message, code=SUBSCRIPTION_JWT_EXPIRED)
            self._expiry = asyncio.get_running_loop().call_later(delay, self.end, error)

    def __aiter__(self) -> EventStream:
        return self

    async def __anext__(self) -> JSONObject:
        if self._parts is None:
            self._parts = self._run()
        return await anext(self._parts)

    def end(self, error: JSONObject) -> None:
        """End with `error` as the last part, ahead of any buffered event."""
        if self._ending is None:
            self._ending = error
            self._ready.set()

    def ending(self) -> JSONObject | None:
        """The error the stream was ended with (None: not ended)."""
        return self._ending

    async def aclose(self) -> None:
        try:
            if self._parts is not None:
                await self._parts.aclose()  # type: ignore[attr-defined]
        finally:
            self._release()

    def _release(self) -> None:
        if not self._released:
            self._released = True
            _OPEN.discard(self)
            if self._expiry is not None:
                self._expiry.cancel()

    async def _run(self) -> AsyncIterator[JSONObject]:
        try:
            if self._ending is not None:
                yield {"errors": [self._ending]}
                return
            try:
                upstream = await self._transport.open(self._subgraph, self._request)
            except UpstreamError as error:
                yield _upstream_error(str(error))
                return
            reader = asyncio.create_task(self._read(upstream.next))
            try:
                while True:
                    ending = self.ending()  # (set by `end` meanwhile)
                    if ending is not None:
                        yield {"errors": [ending]}
                        return
                    if not self._buffer:
                        self._ready.clear()
                        await self._ready.wait()
                        continue
                    item = self._buffer.popleft()
                    if item is _COMPLETE:
                        return
                    if isinstance(item, UpstreamError):
                        yield _upstream_error(str(item))
                        return
                    assert isinstance(item, dict)
                    part = await self._run_event(item)
                    STATS.events += 1
                    yield part
            finally:
                reader.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await reader
                await upstream.aclose()
        finally:
            self._release()

    async def _read(self, receive: Callable[[], Awaitable[JSONObject | None]]) -> None:
        while True:
            try:
                event = await receive()
            except UpstreamError as error:
                self._push(error)
                return
            except Exception as error:
                logger.exception("upstream subscription to %s failed", self._subgraph)
                self._push(UpstreamError(f"Subscription to '{self._subgraph}' failed: {error}"))
                return
            if event is None:
                self._push(_COMPLETE)
                return
            self._push(event)

    def _push(self, item: object) -> None:
        if len(self._buffer) >= self._capacity:
            # Full: the oldest event goes (the client is behind; the newest state wins).
            self._buffer.popleft()
            self.dropped += 1
            STATS.dropped += 1
        self._buffer.append(item)
        self._ready.set()


def _upstream_error(message: str) -> JSONObject:
    return {"errors": [graphql_error(message, code=SUBSCRIPTION_UPSTREAM_ERROR)]}
