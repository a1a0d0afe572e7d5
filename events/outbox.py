"""`Outbox.record(session, event)`: the event row joins the caller's transaction.

The row commits or rolls back with the state change it describes: no event for a
change that did not happen, no change without its event. Nothing is sent here;
the relay publishes committed rows. After a commit that recorded events, the
relays of this process are woken at once instead of at their next poll.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import event as sa_event
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from events.envelope import Event
from events.tables import EventTables

_WAKE_KEY = "events.outbox.wake"


class Outbox:
    """The outbox of one domain (its `EventTables`)."""

    def __init__(self, tables: EventTables) -> None:
        self.tables = tables
        self._wakers: set[asyncio.Event] = set()

    async def record(self, session: AsyncSession, *events: Event[Any]) -> None:
        """Add `events` to the session's transaction (the caller commits)."""
        if not events:
            return
        now = datetime.now(UTC)
        await session.execute(
            insert(self.tables.outbox),
            [
                {
                    "event_id": event.id,
                    "event_type": event.type,
                    "aggregate_id": event.aggregate_id,
                    "body": event.encode().decode(),
                    "recorded_at": now,
                }
                for event in events
            ],
        )
        self._wake_after_commit(session.sync_session)

    def subscribe(self, waker: asyncio.Event) -> None:
        """`waker` is set after every commit that recorded events (a relay's doorbell)."""
        self._wakers.add(waker)

    def unsubscribe(self, waker: asyncio.Event) -> None:
        self._wakers.discard(waker)

    def _wake_after_commit(self, session: Session) -> None:
        # One listener per session that ever recorded: a later commit without events
        # only costs the relay one empty poll.
        if session.info.get(_WAKE_KEY):
            return
        session.info[_WAKE_KEY] = True
        sa_event.listen(session, "after_commit", self._wake)

    def _wake(self, _session: Session) -> None:
        for waker in self._wakers:
            waker.set()
