"""Helpers shared by the loaders: chunking large IN lists."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TypeVar

T = TypeVar("T")

# Both SQLite (32,766 host parameters since 3.32) and asyncpg (32,767 arguments) limit
# the parameters of one statement. A batch with more distinct keys than this is split
# into several `IN (...)` statements: N keys cost ceil(N / MAX_KEYS_PER_STATEMENT)
# statements. Below the limit, a batch is exactly one statement.
MAX_KEYS_PER_STATEMENT = 5_000


def chunks(keys: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    if size < 1:
        raise ValueError(f"chunk size must be positive, got {size}")
    for start in range(0, len(keys), size):
        yield keys[start : start + size]
