"""The router's log lines: JSON for machines, text for people, and the access log.

    configure(format, level)   the root handler on stderr (`supergraph serve`, each worker)
    ACCESS                     the `supergraph.access` logger: one line per request
    access(message, fields)    log an access line (written directly when `configure` set
                               the only handler: the same line, a fraction of the cost)

Every line carries the request id and the trace id of the request it is about
(when there is one), so a line, a trace and a client's `x-request-id` meet. The
format is router.yaml's `telemetry.exporters.logging.stdout.format`, else
`SUPERGRAPH_LOG_FORMAT` (json | text), else text on a terminal and JSON otherwise
(Apollo Router's default); the level is `SUPERGRAPH_LOG_LEVEL` (info).
"""

from __future__ import annotations

import json
import logging
import os
import re
import sys
import time
from collections.abc import Mapping
from typing import Final, TextIO

import orjson

from supergraph.http.telemetry_config import LogFormat
from supergraph.request_id import current as request_id
from supergraph.telemetry import tracing

ACCESS: Final = logging.getLogger("supergraph.access")

_installed: tuple[logging.StreamHandler[TextIO], bool] | None = None
"""The handler `configure` put on the root logger, and whether it writes JSON."""

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
        pairs = _pairs(fields_of(record))
        message = _one_line(record.getMessage())
        line = f"{_iso(record.created)} {record.levelname} {record.name}: {message}"
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


def configure(
    configured: LogFormat | None = None,
    env: Mapping[str, str] | None = None,
    stream: TextIO | None = None,
) -> None:
    """The root logger writes `chosen_format` lines to `stream` (stderr) at
    `SUPERGRAPH_LOG_LEVEL`."""
    global _installed
    env = os.environ if env is None else env
    handler = logging.StreamHandler(sys.stderr if stream is None else stream)
    json = chosen_format(configured, env) == "json"
    handler.setFormatter(JsonFormatter() if json else TextFormatter())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(env.get(LEVEL_ENV, "INFO").strip().upper() or "INFO")
    _installed = (handler, json)


def access(message: str, fields: dict[str, object]) -> None:
    """One access line (`supergraph.access`, INFO) with `fields`.

    Where `configure`'s handler is the only one the line would reach (the served
    router), it is formatted and written here, the same line as through `logging`,
    without a LogRecord, the caller's frame lookup and the handler chain: those were
    most of the line's cost (bench/tracing_overhead.py). Anything else (another
    handler or a filter added, pytest's caplog, a level that drops it) goes through
    `logging` as any line.
    """
    direct = _installed
    root = ACCESS.root
    if (
        direct is None
        or ACCESS.handlers
        or ACCESS.filters
        or not ACCESS.propagate
        or root.handlers != [direct[0]]
        or root.filters
        or direct[0].filters
        or not ACCESS.isEnabledFor(logging.INFO)
    ):
        ACCESS.info("%s", message, extra=fields)
        return
    handler, json = direct
    now = time.time()
    line = _json_line(now, message, fields) if json else _text_line(now, message, fields)
    handler.acquire()
    try:
        handler.stream.write(line)
        handler.stream.flush()
    finally:
        handler.release()


def _ids() -> dict[str, object]:
    ids: dict[str, object] = {}
    rid = request_id()
    if rid != "-":
        ids["request_id"] = rid
    trace = tracing.trace_id()
    if trace is not None:
        ids["trace_id"] = trace
    return ids


def _json_line(now: float, message: str, fields: dict[str, object]) -> str:
    line = {
        "timestamp": _iso(now),
        "level": "INFO",
        "logger": ACCESS.name,
        "message": message,
        **_ids(),
        **fields,
    }
    return orjson.dumps(line, default=str, option=orjson.OPT_APPEND_NEWLINE).decode()


def _text_line(now: float, message: str, fields: dict[str, object]) -> str:
    return f"{_iso(now)} INFO {ACCESS.name}: {_one_line(message)} {_pairs({**_ids(), **fields})}\n"


_PLAIN: Final = re.compile(r"[A-Za-z0-9._:/@+=-]+")
"""A value written as it is; anything else (client-chosen operation and client names)
is quoted, so a space, `key=`, or a line break in it cannot forge fields or lines."""


def _pairs(fields: Mapping[str, object]) -> str:
    return " ".join(f"{key}={field_text(value)}" for key, value in fields.items())


def field_text(value: object) -> str:
    """`value` as a text line writes it: as it is when plain, else quoted. Also for a
    client-chosen value inside a message (the access line's operation name)."""
    text = str(value)
    # JSON with ASCII escapes: control characters and Unicode line separators too.
    return text if _PLAIN.fullmatch(text) else json.dumps(text)


def _one_line(message: str) -> str:
    """The message on one line: control characters and line separators escaped."""
    return message if message.isprintable() else message.encode("unicode_escape").decode()


_second: list[object] = [-1, ""]
"""The last whole second formatted, and its text: one strftime per second, not per line."""


def _iso(created: float) -> str:
    whole = int(created)
    if _second[0] != whole:
        _second[1] = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(whole))
        _second[0] = whole
    return f"{_second[1]}.{int(created % 1 * 1000):03d}Z"
