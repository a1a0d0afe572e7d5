"""GraphQL subscriptions of a subgraph, fed by its domain events.

- `LiveFeed`: the process's one core-NATS subscription per subject, shared by
  every GraphQL subscription that follows it (1,000 clients following orders
  cost one NATS subscription, not 1,000), each follower receiving the events of
  its key only, through a bounded queue. A follower that falls `max_buffered`
  events behind is ended with `SlowSubscriber` (its client can subscribe again:
  every subscription starts with the current state), so one slow client never
  grows this process's memory. Events come from the relay's publishes (core
  subscribers see what JetStream stores), so only changes made after the
  subscription started arrive: resolvers subscribe first, then read the current
  state, and drop events older than what they read (by version).
- `LiveContext`: the context of a WebSocket connection. Strawberry builds one
  context per connection, shared by every subscription on it, so it has no
  database session of its own; each event gets one (`event_session`): a fresh
  session and loaders, visible to that subscription's resolvers only (a task
  variable: each subscription runs in its own task), closed as soon as the
  event's answer is done, so an idle subscription holds no connection.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable, Iterable
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, Final

from graphql import GraphQLError
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.aio.subscription import Subscription as NatsSubscription
from starlette.websockets import WebSocket

from events import Event, EventRegistry
from events.streams import Streams
from loaders import LoaderRegistry, SerialSession
from loaders.session import SessionClosedError
from subgraphs._common.context import SubgraphContext
from subgraphs._common.errors import BAD_USER_INPUT, SERVICE_UNAVAILABLE
from subgraphs._common.identity import Identity, legacy_subject

log = logging.getLogger("subgraphs.live")

DEFAULT_MAX_FOLLOWERS: Final = 10_000
"""GraphQL subscriptions one subgraph process serves at once (the router caps its
clients' subscriptions too; this bounds what reaches the subgraph directly)."""
DEFAULT_MAX_BUFFERED: Final = 100
"""Events a subscription may fall behind before it is ended (status changes of an
order or stock moves of a product: a handful per minute in real traffic)."""

SLOW_SUBSCRIBER_MESSAGE: Final = (
    "The subscription fell too far behind its events and was ended: subscribe again "
    "(it starts with the current state)."
)
CLOSING_MESSAGE: Final = "This subgraph is shutting down: subscribe again."
TOO_MANY_MESSAGE: Final = "This subgraph serves too many subscriptions at once: retry later."
EVENTS_OFF_MESSAGE: Final = (
    "Live updates need the events broker (NATS_URL), which this subgraph does not use."
)

KeysOf = Callable[[Event[Any]], Iterable[str]]
"""The keys an event is about (e.g. an order id, or the UPCs of a reservation)."""


class SlowSubscriber(GraphQLError):
    def __init__(self) -> None:
        super().__init__(SLOW_SUBSCRIBER_MESSAGE, extensions={"code": SERVICE_UNAVAILABLE})


def events_off() -> GraphQLError:
    return GraphQLError(EVENTS_OFF_MESSAGE, extensions={"code": SERVICE_UNAVAILABLE})


@dataclass(eq=False)
class _Follower:
    key: str
    queue: asyncio.Queue[Event[Any] | None]
    overflowed: bool = False
    closed: bool = False


@dataclass(eq=False)
class _Subject:
    keys_of: KeysOf
    nats: NatsSubscription | None = None
    followers: set[_Follower] = field(default_factory=set)


class LiveFeed:
    """Core-NATS subscriptions of this process, fanned out to GraphQL subscriptions."""

    def __init__(
        self,
        client: Client,
        registry: EventRegistry,
        *,
        max_buffered: int = DEFAULT_MAX_BUFFERED,
        max_followers: int = DEFAULT_MAX_FOLLOWERS,
    ) -> None:
        self.client = client
        self.registry = registry
        self.max_buffered = max_buffered
        self.max_followers = max_followers
        self._following = 0
        self._subjects: dict[str, _Subject] = {}
        self._lock = asyncio.Lock()
        self.delivered = 0
        """Events put in a follower's queue."""
        self.ended_slow = 0
        """Followers ended for falling behind."""

    @property
    def followers(self) -> int:
        """GraphQL subscriptions following events now."""
        return self._following

    @property
    def nats_subscriptions(self) -> int:
        return sum(1 for subject in self._subjects.values() if subject.nats is not None)

    @contextlib.asynccontextmanager
    async def follow(
        self, subjects: Iterable[str], keys_of: KeysOf, key: str
    ) -> AsyncIterator[AsyncIterator[Event[Any]]]:
        """The events of `subjects` about `key`, from now on, until the block ends."""
        if self._following >= self.max_followers:
            raise GraphQLError(TOO_MANY_MESSAGE, extensions={"code": SERVICE_UNAVAILABLE})
        follower = _Follower(key, asyncio.Queue(self.max_buffered))
        names = sorted(set(subjects))
        self._following += 1
        async with self._lock:
            for name in names:
                subject = self._subjects.get(name)
                if subject is None:
                    subject = self._subjects[name] = _Subject(keys_of)
                    subject.nats = await self.client.subscribe(
                        name, cb=self._dispatcher(subject), pending_msgs_limit=10 * 1024
                    )
                subject.followers.add(follower)
        try:
            yield self._events(follower)
        finally:
            self._following -= 1
            async with self._lock:
                for name in names:
                    subject = self._subjects[name]
                    subject.followers.discard(follower)
                    if not subject.followers:
                        del self._subjects[name]
                        if subject.nats is not None:
                            with contextlib.suppress(Exception):  # the connection may be gone
                                await subject.nats.unsubscribe()

    def _dispatcher(self, subject: _Subject) -> Callable[[Msg], Any]:
        async def dispatch(message: Msg) -> None:
            try:
                event = self.registry.decode(message.data)
                keys = set(subject.keys_of(event))
            except Exception as error:  # a foreign or newer envelope: not ours to follow
                log.info("live: skipped a message on %s: %s", message.subject, error)
                return
            for follower in list(subject.followers):
                if follower.key not in keys or follower.overflowed:
                    continue
                try:
                    follower.queue.put_nowait(event)
                    self.delivered += 1
                except asyncio.QueueFull:
                    follower.overflowed = True
                    self.ended_slow += 1

        return dispatch

    def close(self) -> None:
        """End every subscription (the process stops): their clients get a coded error
        they can subscribe again on (to another replica, or to this one restarted)."""
        for subject in self._subjects.values():
            for follower in subject.followers:
                follower.closed = True
                with contextlib.suppress(asyncio.QueueFull):
                    follower.queue.put_nowait(None)

    @staticmethod
    async def _events(follower: _Follower) -> AsyncIterator[Event[Any]]:
        while True:
            if follower.closed:
                raise GraphQLError(CLOSING_MESSAGE, extensions={"code": SERVICE_UNAVAILABLE})
            if follower.overflowed and follower.queue.empty():
                raise SlowSubscriber()
            event = await follower.queue.get()
            if event is not None:
                yield event


_EVENT_SESSION: ContextVar[tuple[SerialSession, LoaderRegistry] | None] = ContextVar(
    "subgraphs_live_event_session", default=None
)


class LiveContext(SubgraphContext):
    """A WebSocket connection's context (see the module doc): `db` and `loaders` are
    those of the event being answered, in the subscription's own task."""

    live: LiveSources

    @property
    def db(self) -> SerialSession:
        current = _EVENT_SESSION.get()
        if current is None:
            raise SessionClosedError("a subscription reads the database only within an event")
        return current[0]

    @db.setter
    def db(self, value: SerialSession) -> None:
        pass  # the connection has no session: each event has its own

    @property
    def loaders(self) -> LoaderRegistry:
        current = _EVENT_SESSION.get()
        if current is None:
            raise SessionClosedError("a subscription reads the database only within an event")
        return current[1]

    @loaders.setter
    def loaders(self, value: LoaderRegistry) -> None:
        pass

    @contextlib.asynccontextmanager
    async def event_session(self) -> AsyncIterator[None]:
        """A session and loaders for one event of this task's subscription; closed
        when the block ends (the subscription yields its value inside the block)."""
        db = SerialSession(self.live.sessions())
        _EVENT_SESSION.set((db, LoaderRegistry(db)))
        try:
            yield
        finally:
            _EVENT_SESSION.set(None)
            await db.close()


@dataclass(frozen=True, slots=True)
class LiveSources:
    """What a subscription resolver needs: sessions, and the feed when events are on."""

    sessions: Callable[[], Any]
    """The database's `async_sessionmaker` (a new `AsyncSession` per call)."""
    feed: LiveFeed | None
    streams: Streams = field(default_factory=Streams)
    """Subject names (the events configuration's prefix)."""

    def require_feed(self) -> LiveFeed:
        if self.feed is None:
            raise events_off()
        return self.feed


def live_context(
    connection: WebSocket, request_id: str, live: LiveSources, identity: Identity
) -> LiveContext:
    """The context of a WebSocket connection, for the caller `identity`."""
    placeholder = SerialSession(live.sessions())  # never used: `db` is the event's
    if identity.verified:
        context = LiveContext.create(placeholder, claims=identity.claims, request_id=request_id)
    else:
        subject = legacy_subject(connection.headers)
        context = LiveContext.create(placeholder, subject=subject, request_id=request_id)
    context.live = live
    return context


def live_of(context: SubgraphContext) -> LiveContext:
    """The context of a subscription (only WebSocket connections serve them)."""
    if not isinstance(context, LiveContext):
        raise GraphQLError(
            "Subscriptions are served over WebSocket (graphql-transport-ws) only.",
            extensions={"code": BAD_USER_INPUT},
        )
    return context
