"""`router.yaml`: the router's configuration file, validated with errors naming the key.

subgraph_timeout: 30          # seconds, every subgraph (default 30)
expose_query_plan: false      # let requests ask for their query plan
subgraphs:
  accounts:
    url: http://127.0.0.1:4001/graphql   # overrides the supergraph's URL
    timeout: 5                            # seconds, this subgraph only
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import yaml


class ConfigError(ValueError):
    """The configuration file is unreadable or has a bad key or value."""


@dataclass(frozen=True, slots=True)
class SubgraphConfig:
    url: str | None = None
    timeout: float | None = None


@dataclass(frozen=True, slots=True)
class RouterConfig:
    subgraph_timeout: float = 30.0
    expose_query_plan: bool = False
    subgraphs: Mapping[str, SubgraphConfig] = field(default_factory=dict)


def load_config(path: str | Path) -> RouterConfig:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as error:
        raise ConfigError(f"{path}: cannot read: {error.strerror}") from error
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise ConfigError(f"{path}: not valid YAML: {error}") from error
    try:
        return parse_config({} if raw is None else raw)
    except ConfigError as error:
        raise ConfigError(f"{path}: {error}") from error


def parse_config(raw: object) -> RouterConfig:
    top = _mapping(raw, "the configuration")
    _only(top, {"subgraph_timeout", "expose_query_plan", "subgraphs"}, "")
    subgraphs = {
        str(name): _subgraph(value, f"subgraphs.{name}")
        for name, value in _mapping(top.get("subgraphs", {}), "subgraphs").items()
    }
    return RouterConfig(
        subgraph_timeout=_seconds(top.get("subgraph_timeout", 30.0), "subgraph_timeout"),
        expose_query_plan=_bool(top.get("expose_query_plan", False), "expose_query_plan"),
        subgraphs=subgraphs,
    )


def _subgraph(raw: object, where: str) -> SubgraphConfig:
    values = _mapping(raw, where)
    _only(values, {"url", "timeout"}, f"{where}.")
    url = values.get("url")
    if url is not None and not (isinstance(url, str) and url.startswith(("http://", "https://"))):
        raise ConfigError(f"{where}.url: expected an http(s) URL, got {url!r}")
    timeout = values.get("timeout")
    return SubgraphConfig(url, None if timeout is None else _seconds(timeout, f"{where}.timeout"))


def _mapping(raw: object, where: str) -> Mapping[str, object]:
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}: expected a mapping, got {type(raw).__name__}")
    return raw


def _only(values: Mapping[str, object], allowed: set[str], prefix: str) -> None:
    for key in values:
        if key not in allowed:
            raise ConfigError(f"{prefix}{key}: unknown key (allowed: {', '.join(sorted(allowed))})")


def _seconds(value: object, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        raise ConfigError(f"{where}: expected a positive number of seconds, got {value!r}")
    return float(value)


def _bool(value: object, where: str) -> bool:
    if not isinstance(value, bool):
        raise ConfigError(f"{where}: expected true or false, got {value!r}")
    return value
