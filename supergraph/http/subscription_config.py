"""router.yaml `subscription` (docs/subscriptions.md): Apollo Router's keys where it has
them (`enabled`, `mode.passthrough.all|subgraphs.<name>.path/protocol/heartbeat_interval`,
`max_opened_subscriptions`, `queue_capacity`), and the client-side bounds it lacks.

    subscription:
      enabled: true
      mode:
        passthrough:
          all: {path: /graphql, heartbeat_interval: 15s}
          subgraphs:
            orders: {path: /ws}
      max_opened_subscriptions: 10000
      queue_capacity: 128
      max_subscriptions_per_connection: 100
      keep_alive_interval: 12s
      connection_init_timeout: 10s
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from supergraph.http import config_values as v
from supergraph.http.config_values import ConfigError
from supergraph.pipeline.subscribe import (
    DEFAULT_MAX_OPENED,
    DEFAULT_QUEUE_CAPACITY,
    SubscriptionOptions,
)

PROTOCOLS = ("graphql_ws",)
"""Apollo's name for the `graphql-ws` library's protocol (graphql-transport-ws)."""
_PASSTHROUGH_KEYS = {"path", "protocol", "heartbeat_interval"}


@dataclass(frozen=True, slots=True)
class PassthroughConfig:
    path: str | None = None
    """The subscription path on the subgraph's host (None: its URL's own path)."""
    heartbeat_interval: float | None = 15.0
    """WebSocket pings to the subgraph (None: "disable")."""


@dataclass(frozen=True, slots=True)
class SubscriptionConfig:
    enabled: bool = True
    all: PassthroughConfig = field(default_factory=PassthroughConfig)
    subgraphs: Mapping[str, PassthroughConfig] = field(default_factory=dict)
    max_opened_subscriptions: int | None = DEFAULT_MAX_OPENED
    queue_capacity: int = DEFAULT_QUEUE_CAPACITY
    max_subscriptions_per_connection: int = 100
    """Operations one WebSocket connection may hold open at once."""
    keep_alive_interval: float = 12.0
    """Heartbeats to clients: a WebSocket `ping`, an SSE comment, a multipart `{}`."""
    connection_init_timeout: float = 10.0
    """A WebSocket must send `connection_init` within this (else closed with 4408)."""

    def options(self) -> SubscriptionOptions:
        return SubscriptionOptions(self.enabled, self.max_opened_subscriptions, self.queue_capacity)

    def passthrough(self, subgraph: str) -> PassthroughConfig:
        return self.subgraphs.get(subgraph, self.all)


def parse_subscription(top: Mapping[str, object]) -> SubscriptionConfig:
    where = "subscription."
    s = v.section(
        top,
        "subscription",
        {
            "enabled",
            "mode",
            "max_opened_subscriptions",
            "queue_capacity",
            "max_subscriptions_per_connection",
            "keep_alive_interval",
            "connection_init_timeout",
        },
    )
    d = SubscriptionConfig()
    mode = v.mapping(s.get("mode") or {}, f"{where}mode")
    v.only(mode, {"passthrough"}, f"{where}mode.")
    passthrough = v.mapping(mode.get("passthrough") or {}, f"{where}mode.passthrough")
    v.only(passthrough, {"all", "subgraphs"}, f"{where}mode.passthrough.")
    base = f"{where}mode.passthrough."
    every = _passthrough(passthrough.get("all"), f"{base}all", PassthroughConfig())
    subgraphs = {
        str(name): _passthrough(raw, f"{base}subgraphs.{name}", every)
        for name, raw in v.mapping(passthrough.get("subgraphs") or {}, f"{base}subgraphs").items()
    }
    opened = v.optional_int(
        s.get("max_opened_subscriptions", d.max_opened_subscriptions),
        f"{where}max_opened_subscriptions",
    )
    if opened is not None and opened < 1:
        raise ConfigError(f"{where}max_opened_subscriptions: expected at least 1, got {opened}")
    return SubscriptionConfig(
        enabled=v.boolean(s.get("enabled", d.enabled), f"{where}enabled"),
        all=every,
        subgraphs=subgraphs,
        max_opened_subscriptions=opened,
        queue_capacity=v.positive_int(
            s.get("queue_capacity", d.queue_capacity), f"{where}queue_capacity"
        ),
        max_subscriptions_per_connection=v.positive_int(
            s.get("max_subscriptions_per_connection", d.max_subscriptions_per_connection),
            f"{where}max_subscriptions_per_connection",
        ),
        keep_alive_interval=v.duration(
            s.get("keep_alive_interval", d.keep_alive_interval), f"{where}keep_alive_interval"
        ),
        connection_init_timeout=v.duration(
            s.get("connection_init_timeout", d.connection_init_timeout),
            f"{where}connection_init_timeout",
        ),
    )


def _passthrough(raw: object, where: str, default: PassthroughConfig) -> PassthroughConfig:
    values = v.mapping(raw or {}, where)
    v.only(values, _PASSTHROUGH_KEYS, f"{where}.")
    v.choice(values.get("protocol", PROTOCOLS[0]), PROTOCOLS, f"{where}.protocol")
    path = v.optional_string(values.get("path", default.path), f"{where}.path")
    if path is not None and not path.startswith("/"):
        raise ConfigError(f"{where}.path: expected a path starting with /, got {path!r}")
    heartbeat: float | None = default.heartbeat_interval
    raw_heartbeat = values.get("heartbeat_interval")
    if raw_heartbeat == "disable":
        heartbeat = None
    elif raw_heartbeat == "enable":
        heartbeat = PassthroughConfig().heartbeat_interval
    elif raw_heartbeat is not None:
        heartbeat = v.duration(raw_heartbeat, f"{where}.heartbeat_interval")
    return PassthroughConfig(path, heartbeat)
