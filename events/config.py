"""Whether and where a process talks to NATS, from the environment.

- `NATS_URL` (e.g. `nats://127.0.0.1:4222`; several comma-separated for a
  cluster): the relay and the consumers run inside each subgraph process. Unset:
  events are off (no outbox rows, no consumers; orders are PLACED at once as before).
- `EVENTS_SUBJECT_PREFIX` (default `events`): the first token of every subject and
  of every stream name (`events.orders.OrderPlaced` in stream `EVENTS_ORDERS`).
- `EVENTS_STREAM_REPLICAS` (default 1): JetStream replicas of the streams (3 on a cluster).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field

from events.streams import Streams


@dataclass(frozen=True, slots=True)
class EventsConfig:
    servers: tuple[str, ...]
    streams: Streams = field(default_factory=Streams)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> EventsConfig | None:
        env = os.environ if env is None else env
        url = env.get("NATS_URL", "").strip()
        if not url:
            return None
        replicas_raw = env.get("EVENTS_STREAM_REPLICAS", "").strip() or "1"
        if not replicas_raw.isdigit() or not 1 <= int(replicas_raw) <= 5:
            raise ValueError(f"EVENTS_STREAM_REPLICAS must be 1..5, got {replicas_raw!r}")
        streams = Streams(
            prefix=env.get("EVENTS_SUBJECT_PREFIX", "").strip() or "events",
            replicas=int(replicas_raw),
        )
        servers = tuple(part.strip() for part in url.split(",") if part.strip())
        return cls(servers=servers, streams=streams)
