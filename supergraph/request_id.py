"""The id of the request being served, for the log lines about it.

The HTTP edge calls `begin` once per request, in the request's own task (so
every task it starts inherits the id, and nothing leaks into other requests'
tasks): a sane incoming `x-request-id` (from a load balancer, a gateway, the
client) is kept as it is, anything else gets an id of this process. Code
anywhere below reads it with `current()` when it has something to log.

Cheap on purpose, since every request pays for it: `begin` stores the header's
value or the next number of a counter (well under a microsecond; `uuid4()`
took 9 us on the development machine, an `os.urandom` system call each), and
the number becomes text only when someone logs it.
Ids made here are `<process>-<counter in hex>`, the process part random per
process so that ids from several workers or restarts do not collide.

Every answer carries the id in `x-request-id`, and so does every subgraph
request (executor/request_id_transport.py, below the de-duplicator: the id is
not part of its key, so identical queries still share one request).
"""

from __future__ import annotations

import itertools
import os
import re
from contextvars import ContextVar
from typing import Final

HEADER: Final = "x-request-id"
_SANE: Final = re.compile(r"[A-Za-z0-9._:;/+=@-]{1,128}")
"""What an incoming id may hold: UUIDs, hex, base64, trace-style ids; no spaces,
quotes or control characters, so that it cannot forge or break a log line."""

_PROCESS: Final = os.urandom(4).hex()
_numbers = itertools.count(1)
_current: ContextVar[str | int | None] = ContextVar("request_id", default=None)


def begin(incoming: str | None) -> None:
    """The request served from here on in this task: its `x-request-id` if sane."""
    if incoming is not None and _SANE.fullmatch(incoming):
        _current.set(incoming)
    else:
        _current.set(next(_numbers))


def current() -> str:
    """The current request's id ("-" outside a request)."""
    value = _current.get()
    if value is None:
        return "-"
    if isinstance(value, int):
        return f"{_PROCESS}-{value:x}"
    return value
