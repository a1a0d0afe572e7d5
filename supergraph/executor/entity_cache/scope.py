"""What one client request lets the entity cache do, and what it used.

    used = CacheScope(private_id)
    with cache_scope(used):                    around a query's plan (pipeline/execute.py)
        ...                                    fetches look up and fill the cache
    used.header()                              the client response's Cache-Control

Outside a scope (mutations, subscription events) the cache is not used at all: a
mutation's fetches must read what it wrote.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from supergraph.executor.entity_cache.policy import CachePolicy

_current: ContextVar[CacheScope | None] = ContextVar("supergraph_entity_cache", default=None)


@dataclass(slots=True)
class CacheScope:
    private_id: str | None
    """The caller's identity (a claim, router.yaml `private_id`): private data is cached
    under it; None: anonymous, private data is not cached."""
    policy: CachePolicy | None = None
    """The minimum of what the response used so far (None: nothing yet)."""

    def used(self, policy: CachePolicy) -> None:
        self.policy = policy if self.policy is None else self.policy.combine(policy)

    def header(self) -> str | None:
        return None if self.policy is None else self.policy.header()


@contextmanager
def cache_scope(scope: CacheScope) -> Iterator[CacheScope]:
    """Fetches inside this block (and the tasks it starts) use the cache for `scope`."""
    token = _current.set(scope)
    try:
        yield scope
    finally:
        _current.reset(token)


def current_scope() -> CacheScope | None:
    return _current.get()
