"""What one request did, for its access log line: counted where it happens, read at the edge.

The edge starts a record per request (`begin`) in the request's own task, so the
tasks it starts (parallel fetches) count into the same record. Outside a request
(`current()` is None) nothing is counted.
"""

from __future__ import annotations

from contextvars import ContextVar


class RequestRecord:
    __slots__ = ("fetches", "operation_name")

    def __init__(self) -> None:
        self.fetches = 0
        """Subgraph requests this request made (answered by a shared flight included)."""
        self.operation_name: str | None = None


_current: ContextVar[RequestRecord | None] = ContextVar("supergraph_request_record", default=None)


def begin() -> RequestRecord:
    record = RequestRecord()
    _current.set(record)
    return record


def current() -> RequestRecord | None:
    return _current.get()
