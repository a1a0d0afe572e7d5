"""The router's log lines: JSON for machines, text for people, and the access log.

    configure(format, level)   the root handler on stderr (`supergraph serve`, each worker)
    ACCESS                     the `supergraph.access` logger: one line per request

Every line carries the request id and the trace id of the request it is about
(when there is one), so a line, a trace and a client's `x-request-id` meet. The
format is router.yaml's `telemetry.exporters.logging.stdout.format`, else
`SUPERGRAPH_LOG_FORMAT` (json | text), else text on a terminal and JSON otherwise
(Apollo Router's default); the level is `SUPERGRAPH_LOG_LEVEL` (info).
"""

from __future__ import annotations

import logging
import os
import sys
import time
from collections.abc import Mapping
from typing import Final

import orjson

from supergraph.http.telemetry_config import LogFormat
from supergraph.request_id import current as request_id
from supergraph.telemetry import tracing

ACCESS: Final = logging.getLogger("supergraph.access")

FORMAT_ENV: Final = "SUPERGRAPH_LOG_FORMAT"
LEVEL_ENV: Final = "SUPERGRAPH_LOG_LEVEL"

_STANDARD: Final = frozenset(
    logging.LogRecord("", 0, "", 0, "", None, None).__dict__.keys() | {"message", "asctime"}
)
"""A record's own attributes; anything else on it came in `extra` (the fields)."""


def fields_of(record: logging.LogRecord) -> dict[str, object]:
    """The line's fields: request and trace ids, then what the caller passed in `extra`."""
    fields: dict[str, object] = {}
    rid = request_id()
    if rid != "-":
        fields["request_id"] = rid
    trace = tracing.trace_id()
    if trace is not None:
        fields["trace_id"] = trace
    for key, value in record.__dict__.items():
        if key not in _STANDARD:
            fields[key] = value
    return fields


class JsonFormatter(logging.Formatter):
    """One JSON object per line: timestamp, level, logger, message, the fields."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, object] = {
            "timestamp": _iso(record.created),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            **fields_of(record),
        }
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return orjson.dumps(line, default=str).decode()


class TextFormatter(logging.Formatter):
    """`time LEVEL logger: message key=value ...`, for a terminal."""

    def format(self, record: logging.LogRecord) -> str:
        pairs = " ".join(f"{key}={value}" for key, value in fields_of(record).items())
        line = f"{_iso(record.created)} {record.levelname} {record.name}: {record.getMessage()}"
        if pairs:
            line += " " + pairs
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return line


def chosen_format(configured: LogFormat | None, env: Mapping[str, str]) -> LogFormat:
    if configured is not None:
        return configured
    wanted = env.get(FORMAT_ENV, "").strip().lower()
    if wanted in ("json", "text"):
        return "json" if wanted == "json" else "text"
    return "text" if sys.stderr.isatty() else "json"


def configure(configured: LogFormat | None = None, env: Mapping[str, str] | None = None) -> None:
    """The root logger writes `chosen_format` lines to stderr at `SUPERGRAPH_LOG_LEVEL`."""
    env = os.environ if env is None else env
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        JsonFormatter() if chosen_format(configured, env) == "json" else TextFormatter()
    )
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(env.get(LEVEL_ENV, "INFO").strip().upper() or "INFO")


def _iso(created: float) -> str:
    seconds = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(created))
    return f"{seconds}.{int(created % 1 * 1000):03d}Z"
