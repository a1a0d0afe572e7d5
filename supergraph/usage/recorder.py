"""Counting operations per client in memory, flushed to the usage store off the request path.

`record` is what a request pays: a sampling draw and a dictionary increment keyed
by the operation's text and name and the client. Everything else happens at flush
time, every `flush_interval` seconds, with the operations' descriptions (an id and
the schema coordinates they use, `describe`) computed on a thread, once per
operation: a fresh operation costs the request nothing more than a cached one.

Bounds: at most `max_keys` distinct (operation, client, version, persisted id)
counters and `max_pending_bytes` of operation text waiting between two flushes;
what does not fit is counted in `dropped`, never blocks a request. Client names,
versions and persisted ids come from the client and are cut to `LABEL_CHARS`
(the store's column width): a counter's size does not depend on its headers, and
a long header cannot make every flush fail on PostgreSQL's VARCHAR. A sampled
count is scaled up at flush time (an estimate: 1 in 10 sampled counts each
request as 10).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from .store import LABEL_CHARS, CountKey, UsageStore, hour_of

logger = logging.getLogger(__name__)

Describe = Callable[[str, str | None], tuple[str, str, frozenset[str]]]
"""(operation text, requested operation name) -> (operation id, its name, the coordinates
it uses)."""

_Key = tuple[str, str | None, str, str, str]
"""(text, name, client name, client version, persisted id)."""


@dataclass(frozen=True, slots=True)
class UsageSettings:
    """router.yaml `usage_reporting` (docs/usage.md)."""

    store: str
    """sqlite:///PATH or postgresql://..."""
    sample_rate: float = 1.0
    flush_interval: float = 10.0
    max_keys: int = 10_000
    max_pending_bytes: int = 8 << 20
    client_name_header: str = "apollographql-client-name"
    client_version_header: str = "apollographql-client-version"


class UsageRecorder:
    def __init__(
        self,
        settings: UsageSettings,
        describe: Describe,
        draw: Callable[[], float] = random.random,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        if not 0 < settings.sample_rate <= 1:
            raise ValueError("usage_reporting.sample_rate: in (0, 1]")
        self.settings = settings
        self._describe = describe
        self._draw = draw
        self._clock = clock
        self._counts: dict[_Key, int] = {}
        self._pending_texts: dict[tuple[str, str | None], None] = {}
        self._pending_bytes = 0
        self._stored: set[str] = set()
        self._stored_hour: datetime | None = None
        """Operation ids already in the store (their coordinates are not sent again)."""
        self._store: UsageStore | None = None
        self._task: asyncio.Task[None] | None = None
        self._periodic_flush: asyncio.Future[int] | None = None
        self.recorded = 0
        self.sampled_out = 0
        self.dropped = 0
        self.flushed = 0
        self.flush_failures = 0

    def record(
        self,
        text: str,
        operation_name: str | None,
        client_name: str | None,
        client_version: str | None,
        persisted_id: str | None = None,
    ) -> None:
        if self.settings.sample_rate < 1 and self._draw() >= self.settings.sample_rate:
            self.sampled_out += 1
            return
        key = (
            text,
            operation_name,
            (client_name or "")[:LABEL_CHARS],
            (client_version or "")[:LABEL_CHARS],
            (persisted_id or "")[:LABEL_CHARS],
        )
        count = self._counts.get(key)
        if count is None:
            if len(self._counts) >= self.settings.max_keys:
                self.dropped += 1
                return
            operation = (text, operation_name)
            if operation not in self._pending_texts:
                if self._pending_bytes + len(text) > self.settings.max_pending_bytes:
                    self.dropped += 1
                    return
                self._pending_texts[operation] = None
                self._pending_bytes += len(text)
            count = 0
        self._counts[key] = count + 1
        self.recorded += 1
        if self._task is None:
            self._start()

    async def flush(self) -> int:
        """Write what was counted since the last flush; the number of requests written.
        On a store error the counts are kept for the next flush (bounded as above)."""
        if not self._counts:
            return 0
        counts, self._counts = self._counts, {}
        texts, self._pending_texts, self._pending_bytes = self._pending_texts, {}, 0
        hour = hour_of(self._clock())
        if hour != self._stored_hour:
            # Once an hour every operation is written again (a no-op when present): one
            # pruned meanwhile (`supergraph usage --prune-older-than`) comes back.
            self._stored.clear()
            self._stored_hour = hour
        try:
            described = await asyncio.to_thread(self._described, list(texts))
            scale = 1 / self.settings.sample_rate
            added: dict[CountKey, int] = {}
            for (text, name, client, version, persisted), count in counts.items():
                op_id = described[(text, name)][0]
                key = CountKey(op_id, client, version, persisted)
                added[key] = added.get(key, 0) + max(1, round(count * scale))
            new = {
                op_id: (name[:LABEL_CHARS], coordinates)
                for op_id, name, coordinates in described.values()
                if op_id not in self._stored
            }
            if self._store is None:
                self._store = await UsageStore.open(self.settings.store)
            await self._store.add(hour, new, added)
        except Exception as error:
            self.flush_failures += 1
            logger.warning("usage reporting: flush failed, kept for the next one: %s", error)
            self._keep(counts, texts)
            return 0
        self._stored |= set(new)
        if len(self._stored) > self.settings.max_keys:
            self._stored.clear()  # bounded; an operation sent again is a no-op
        written = sum(counts.values())
        self.flushed += written
        return written

    def _described(
        self, texts: list[tuple[str, str | None]]
    ) -> dict[tuple[str, str | None], tuple[str, str, frozenset[str]]]:
        return {operation: self._describe(*operation) for operation in texts}

    def _keep(self, counts: dict[_Key, int], texts: dict[tuple[str, str | None], None]) -> None:
        """Put a failed flush's counts back, within the bounds: requests recorded while it
        ran took room of their own, and what no longer fits is dropped (counted)."""
        for operation in texts:
            size = len(operation[0])
            if operation in self._pending_texts:
                continue
            if self._pending_bytes + size <= self.settings.max_pending_bytes:
                self._pending_texts[operation] = None
                self._pending_bytes += size
        for key, count in counts.items():
            fits = key in self._counts or len(self._counts) < self.settings.max_keys
            if fits and (key[0], key[1]) in self._pending_texts:
                self._counts[key] = self._counts.get(key, 0) + count
            else:
                self.dropped += count

    def _start(self) -> None:
        """Flush every `flush_interval` seconds on the running loop (from the first record)."""
        with contextlib.suppress(RuntimeError):  # no running loop: flushed by hand
            self._task = asyncio.get_running_loop().create_task(self._run())

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.settings.flush_interval)
            # Shielded: a flush has taken the counts out, so cancelling it midway (as
            # closing does) would lose them; `aclose` waits for it instead.
            self._periodic_flush = asyncio.ensure_future(self.flush())
            await asyncio.shield(self._periodic_flush)
            self._periodic_flush = None

    async def aclose(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        if self._periodic_flush is not None:
            await self._periodic_flush
            self._periodic_flush = None
        await self.flush()
        if self._store is not None:
            await self._store.close()
            self._store = None
