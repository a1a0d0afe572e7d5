"""What one client connection may cost the router: head size, timeouts, connections.

`EdgeLimits` is what the serving protocol (protocol.py) and the listener
(listener.py) enforce. router.yaml spells it with Apollo Router's keys where
Apollo has them (docs/router-config.md, "HTTP edge limits"):

    limits:
      http1_max_request_headers: 100      # header fields per request (431)
      http1_max_request_buf_size: 32kib   # request line + headers, and a chunked
                                          # body's framing + trailers (431)
    server:
      http:
        header_read_timeout: 10s          # first byte of a request to its last header (408)
        body_read_timeout: 30s            # last header to the body's last byte (408)
        keep_alive_timeout: 5s            # an idle connection between requests
        max_connections: 1024             # per process; above it, stop accepting

They are read once when a process starts serving: a hot reload does not change
them (the connections they govern outlive any one app).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

from supergraph.http import config_values as v

DEFAULT_MAX_HEADERS: Final = 100
"""Apollo Router's default (hyper's); ntex (Hive Router) stops at 96."""
DEFAULT_MAX_HEAD_BYTES: Final = 32 * 1024
"""Twice Node's 16 KiB, nginx's four 8 KiB buffers; Hive Router 64 KiB, Apollo 400 KiB.
httptools joins a header trickled in small pieces by copying it whole each time, so
the cost of one hostile head grows with the square of this limit."""
DEFAULT_HEADER_READ_TIMEOUT: Final = 10.0
"""Apollo Router's `server.http.header_read_timeout`."""
DEFAULT_BODY_READ_TIMEOUT: Final = 30.0
"""Apollo Router cuts any request, its body included, at 30 s (traffic_shaping.router.timeout)."""
DEFAULT_KEEP_ALIVE_TIMEOUT: Final = 5.0
"""Hive Router's, Node's and uvicorn's."""
DEFAULT_MAX_CONNECTIONS: Final = 1024
"""Per process: the usual `ulimit -n` of 1024 (raise both together)."""

MIN_HEAD_BYTES: Final = 1024
"""Below this even an ordinary request line and its Host header would not fit."""

HTTP1_LIMIT_KEYS: Final = frozenset({"http1_max_request_headers", "http1_max_request_buf_size"})
"""The keys of router.yaml's `limits` section that are read here."""
SERVER_HTTP_KEYS: Final = frozenset(
    {"header_read_timeout", "body_read_timeout", "keep_alive_timeout", "max_connections"}
)


@dataclass(frozen=True, slots=True)
class EdgeLimits:
    max_headers: int = DEFAULT_MAX_HEADERS
    max_head_bytes: int = DEFAULT_MAX_HEAD_BYTES
    header_read_timeout: float = DEFAULT_HEADER_READ_TIMEOUT
    body_read_timeout: float = DEFAULT_BODY_READ_TIMEOUT
    keep_alive_timeout: float = DEFAULT_KEEP_ALIVE_TIMEOUT
    max_connections: int = DEFAULT_MAX_CONNECTIONS


def parse_edge_limits(top: Mapping[str, object]) -> EdgeLimits:
    """`limits.http1_*` and the `server.http` section of a parsed router.yaml."""
    limits = v.mapping(top.get("limits") or {}, "limits")
    server = v.section(top, "server", {"http"})
    http = v.mapping(server.get("http") or {}, "server.http")
    v.only(http, set(SERVER_HTTP_KEYS), "server.http.")
    where = "server.http."
    return EdgeLimits(
        max_headers=v.positive_int(
            limits.get("http1_max_request_headers", DEFAULT_MAX_HEADERS),
            "limits.http1_max_request_headers",
        ),
        max_head_bytes=v.byte_size(
            limits.get("http1_max_request_buf_size", DEFAULT_MAX_HEAD_BYTES),
            "limits.http1_max_request_buf_size",
            minimum=MIN_HEAD_BYTES,
        ),
        header_read_timeout=v.duration(
            http.get("header_read_timeout", DEFAULT_HEADER_READ_TIMEOUT),
            f"{where}header_read_timeout",
        ),
        body_read_timeout=v.duration(
            http.get("body_read_timeout", DEFAULT_BODY_READ_TIMEOUT), f"{where}body_read_timeout"
        ),
        keep_alive_timeout=v.duration(
            http.get("keep_alive_timeout", DEFAULT_KEEP_ALIVE_TIMEOUT),
            f"{where}keep_alive_timeout",
        ),
        max_connections=v.positive_int(
            http.get("max_connections", DEFAULT_MAX_CONNECTIONS), f"{where}max_connections"
        ),
    )
