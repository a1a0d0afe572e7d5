"""Counting operations per client in memory, flushed to the usage store off the request path.

`record` is what a request pays: a sampling draw and a dictionary increment (the
coordinates come with the cached operation, computed once). A background task
flushes every `flush_interval` seconds. Bounds: at most `max_keys` distinct
(operation, client, version, persisted id) counters and `max_operations`
operations waiting between two flushes; what does not fit is counted in
`dropped`, never blocks a request. A sampled count is scaled up at flush time
(an estimate: 1 in 10 sampled counts each request as 10).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from .store import CountKey, UsageStore, hour_of

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class UsageSettings:
    """router.yaml `usage_reporting` (docs/router-config.md)."""

    store: str
    """sqlite:///PATH or postgresql://..."""
    sample_rate: float = 1.0
    flush_interval: float = 10.0
    max_keys: int = 10_000
    max_operations: int = 5_000


class UsageRecorder:
    def __init__(
        self,
        settings: UsageSettings,
        draw: Callable[[], float] = random.random,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        if not 0 < settings.sample_rate <= 1:
            raise ValueError("usage_reporting.sample_rate: in (0, 1]")
        self.settings = settings
        self._draw = draw
        self._clock = clock
        self._counts: dict[CountKey, int] = {}
        self._pending_operations: dict[str, tuple[str, frozenset[str]]] = {}
        self._stored_operations: set[str] = set()
        self._store: UsageStore | None = None
        self._task: asyncio.Task[None] | None = None
        self.recorded = 0
        self.sampled_out = 0
        self.dropped = 0
        self.flushed = 0
        self.flush_failures = 0

    def record(
        self,
        operation_id: str,
        operation_name: str | None,
        coordinates: frozenset[str],
        client_name: str | None,
        client_version: str | None,
        persisted_id: str | None = None,
    ) -> None:
        if self.settings.sample_rate < 1 and self._draw() >= self.settings.sample_rate:
            self.sampled_out += 1
            return
        key = CountKey(operation_id, client_name or "", client_version or "", persisted_id or "")
        if key not in self._counts and len(self._counts) >= self.settings.max_keys:
            self.dropped += 1
            return
        if (
            operation_id not in self._stored_operations
            and operation_id not in self._pending_operations
        ):
            if len(self._pending_operations) >= self.settings.max_operations:
                self.dropped += 1
                return
            self._pending_operations[operation_id] = (operation_name or "", coordinates)
        self._counts[key] = self._counts.get(key, 0) + 1
        self.recorded += 1

    async def flush(self) -> int:
        """Write what was counted since the last flush; the number of requests written.
        On a store error the counts are kept for the next flush (bounded as above)."""
        if not self._counts:
            return 0
        counts, self._counts = self._counts, {}
        pending, self._pending_operations = self._pending_operations, {}
        scale = 1 / self.settings.sample_rate
        scaled = {key: max(1, round(count * scale)) for key, count in counts.items()}
        try:
            if self._store is None:
                self._store = await UsageStore.open(self.settings.store)
            await self._store.add(hour_of(self._clock()), pending, scaled)
        except Exception as error:
            self.flush_failures += 1
            logger.warning("usage reporting: flush failed, kept for the next one: %s", error)
            for key, count in counts.items():
                if key in self._counts or len(self._counts) < self.settings.max_keys:
                    self._counts[key] = self._counts.get(key, 0) + count
            for op_id, operation in pending.items():
                self._pending_operations.setdefault(op_id, operation)
            return 0
        self._stored_operations |= set(pending)
        if len(self._stored_operations) > 10 * self.settings.max_operations:
            self._stored_operations.clear()  # bounded; a re-sent operation is a no-op
        written = sum(counts.values())
        self.flushed += written
        return written

    def start(self) -> None:
        """Flush every `flush_interval` seconds on the running loop."""
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run())

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.settings.flush_interval)
            await self.flush()

    async def aclose(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        await self.flush()
        if self._store is not None:
            await self._store.close()
            self._store = None
