"""Typed readers for router.yaml values: each error names the key (dotted path)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Final


class ConfigError(ValueError):
    """The configuration file is unreadable or has a bad key or value."""


def mapping(raw: object, where: str) -> Mapping[str, object]:
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}: expected a mapping, got {type(raw).__name__}")
    return raw


def section(top: Mapping[str, object], key: str, allowed: set[str]) -> Mapping[str, object]:
    """The sub-mapping `key` (empty when absent) with only the `allowed` keys."""
    raw = top.get(key)
    value = mapping({} if raw is None else raw, key)
    only(value, allowed, f"{key}.")
    return value


def nested(
    top: Mapping[str, object], path: str, allowed: set[str], siblings: set[str] | None = None
) -> Mapping[str, object]:
    """The mapping at the dotted `path` (empty when any part is absent), every level
    checked: `supergraph.query_planning.cache.in_memory` with only the `allowed` keys
    (and, beside the path's second part, the first level's `siblings`)."""
    parts = path.split(".")
    current = top
    for depth, key in enumerate(parts):
        where = ".".join(parts[: depth + 1])
        raw = current.get(key)
        current = mapping({} if raw is None else raw, where)
        if depth + 1 < len(parts):
            extra = siblings if depth == 0 and siblings else set()
            only(current, {parts[depth + 1], *extra}, f"{where}.")
    only(current, allowed, f"{path}.")
    return current


MIN_BYTE_BUDGET = 64 << 10
"""A budget below 64 KiB would refuse nearly every entry (each may take 1/16 of it)."""


def byte_budget(value: object, where: str) -> int:
    """A cache's size in bytes (as `byte_size`), at least `MIN_BYTE_BUDGET`."""
    return byte_size(value, where, minimum=MIN_BYTE_BUDGET)


def only(values: Mapping[str, object], allowed: set[str], prefix: str) -> None:
    for key in values:
        if key not in allowed:
            raise ConfigError(f"{prefix}{key}: unknown key (allowed: {', '.join(sorted(allowed))})")


def seconds(value: object, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        raise ConfigError(f"{where}: expected a positive number of seconds, got {value!r}")
    return float(value)


def boolean(value: object, where: str) -> bool:
    if not isinstance(value, bool):
        raise ConfigError(f"{where}: expected true or false, got {value!r}")
    return value


def positive_int(value: object, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ConfigError(f"{where}: expected a positive whole number, got {value!r}")
    return value


def optional_int(value: object, where: str) -> int | None:
    """A limit: absent or null means no limit."""
    return None if value is None else positive_int(value, where)


def string(value: object, where: str) -> str:
    if not isinstance(value, str) or not value:
        raise ConfigError(f"{where}: expected a non-empty string, got {value!r}")
    return value


def optional_string(value: object, where: str) -> str | None:
    return None if value is None else string(value, where)


def strings(value: object, where: str) -> tuple[str, ...]:
    if not isinstance(value, list):
        raise ConfigError(f"{where}: expected a list of strings, got {value!r}")
    return tuple(string(item, f"{where}[{index}]") for index, item in enumerate(value))


def choice(value: object, choices: tuple[str, ...], where: str) -> str:
    if value not in choices:
        raise ConfigError(f"{where}: expected one of {', '.join(choices)}, got {value!r}")
    assert isinstance(value, str)
    return value


_SIZE = re.compile(r"\s*(\d+)\s*(b|kb|kib|mb|mib|gb|gib)?\s*", re.IGNORECASE)
_SIZE_UNITS: Final = {
    "b": 1,
    "kb": 10**3,
    "kib": 2**10,
    "mb": 10**6,
    "mib": 2**20,
    "gb": 10**9,
    "gib": 2**30,
}
_DURATION = re.compile(r"\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*")
_DURATION_UNITS: Final = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}


def byte_size(value: object, where: str, *, minimum: int = 1) -> int:
    """Bytes: a whole number, or Apollo Router's spelling with a unit ("32kib", "400KiB",
    "10mb", "1GiB")."""
    size: int | None = None
    if isinstance(value, int) and not isinstance(value, bool):
        size = value
    elif isinstance(value, str) and (match := _SIZE.fullmatch(value)):
        size = int(match[1]) * _SIZE_UNITS[(match[2] or "b").lower()]
    if size is None or size < minimum:
        raise ConfigError(
            f"{where}: expected a number of bytes of at least {minimum}, or a size such as"
            f" 32kib or 10MiB, got {value!r}"
        )
    return size


def duration(value: object, where: str) -> float:
    """Seconds: a positive number, or Apollo's spelling with a unit ("10s", "500ms", "1m",
    "24h")."""
    seconds: object = value
    if isinstance(value, str) and (match := _DURATION.fullmatch(value)):
        seconds = float(match[1]) * _DURATION_UNITS[match[2] or "s"]
    if isinstance(seconds, bool) or not isinstance(seconds, int | float) or seconds <= 0:
        raise ConfigError(f"{where}: expected a positive duration (e.g. 10 or 10s), got {value!r}")
    return float(seconds)
