"""A subgraph answer that remembers its Cache-Control header.

Transports return decoded JSON, not HTTP responses; the header the entity cache
needs rides along on the decoded object (`with_cache_control`), so no transport
interface changes for it. Only a dict subclass: the executor treats it as the
answer it always was.
"""

from __future__ import annotations

from typing import Any

from supergraph.types import JSONObject


class _Answer(dict[str, Any]):
    __slots__ = ("cache_control",)

    def __init__(self, body: JSONObject, cache_control: str) -> None:
        super().__init__(body)
        self.cache_control = cache_control


def with_cache_control(body: JSONObject, header: str | None) -> JSONObject:
    """`body` carrying `header` (unchanged when there is none)."""
    return body if header is None else _Answer(body, header)


def cache_control_of(body: JSONObject) -> str | None:
    return body.cache_control if isinstance(body, _Answer) else None
