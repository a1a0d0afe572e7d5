"""A circuit breaker per subgraph: stop sending to a subgraph most of whose requests fail.

    CircuitBreaker(settings).admit(now) -> bool     may this request be sent?
    CircuitBreaker.record(ok, now)                  its outcome

closed      requests go out; their outcomes fill a rolling window (`window` seconds,
            in ten buckets). When it holds at least `volume_threshold` outcomes and
            the failed share reaches `error_threshold`, the breaker opens.
open        every request is refused without being sent (SUBGRAPH_CIRCUIT_BREAKER_
            REJECTED, Hive Router's code), for `reset_timeout` seconds.
half-open   then `half_open_attempts` probe requests go out; when all of them succeed
            the breaker closes (an empty window), the first failure opens it again.

One breaker per subgraph per router process: each replica judges the subgraph by
what it sees itself (a breaker shared through Redis would put a round trip before
every fetch, and replicas see the same outage anyway).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

State = Literal["closed", "open", "half_open"]
STATE_VALUES: dict[State, float] = {"closed": 0.0, "open": 1.0, "half_open": 2.0}
"""The state as a gauge value (router_subgraph_circuit_state)."""

_BUCKETS = 10


@dataclass(frozen=True, slots=True)
class BreakerSettings:
    error_threshold: float = 0.5
    """The failed share of the window's requests that opens the breaker (0 < x <= 1)."""
    volume_threshold: int = 10
    """Requests the window must hold before their failures can open it."""
    window: float = 10.0
    """Seconds of outcomes the decision is made on."""
    reset_timeout: float = 5.0
    """Seconds the breaker stays open before probing."""
    half_open_attempts: int = 1
    """Probe requests, all of which must succeed to close the breaker."""


class CircuitBreaker:
    __slots__ = (
        "_buckets",
        "_probes_ok",
        "_probes_out",
        "opened_at",
        "rejected",
        "settings",
        "state",
        "transitions",
    )

    def __init__(self, settings: BreakerSettings) -> None:
        self.settings = settings
        self.state: State = "closed"
        self.opened_at = 0.0
        # bucket index (time // width) -> [requests, failures]
        self._buckets: dict[int, list[int]] = {}
        self._probes_out = 0
        self._probes_ok = 0
        self.rejected = 0
        """Requests refused while open (or beyond the probes while half-open)."""
        self.transitions: dict[State, int] = {"closed": 0, "open": 0, "half_open": 0}
        """How often the breaker entered each state."""

    def admit(self, now: float) -> bool:
        if self.state == "open":
            if now - self.opened_at < self.settings.reset_timeout:
                self.rejected += 1
                return False
            self._enter("half_open")
            self._probes_out = self._probes_ok = 0
        if self.state == "half_open":
            if self._probes_out >= self.settings.half_open_attempts:
                self.rejected += 1
                return False
            self._probes_out += 1
        return True

    def release(self) -> None:
        """An admitted request was not sent after all: its probe slot is free again."""
        if self.state == "half_open" and self._probes_out > 0:
            self._probes_out -= 1

    def record(self, ok: bool, now: float) -> None:
        if self.state == "half_open":
            if not ok:
                self._open(now)
                return
            self._probes_ok += 1
            if self._probes_ok >= self.settings.half_open_attempts:
                self._enter("closed")
                self._buckets.clear()
            return
        if self.state == "open":
            return  # a request sent before the breaker opened
        width = self.settings.window / _BUCKETS
        index = math.floor(now / width)
        bucket = self._buckets.get(index)
        if bucket is None:
            oldest = index - _BUCKETS + 1
            for stale in [i for i in self._buckets if i < oldest]:
                del self._buckets[stale]
            bucket = self._buckets[index] = [0, 0]
        bucket[0] += 1
        if not ok:
            bucket[1] += 1
            self._judge(index, now)

    def _judge(self, index: int, now: float) -> None:
        oldest = index - _BUCKETS + 1
        total = failed = 0
        for at, (requests, failures) in self._buckets.items():
            if at >= oldest:
                total += requests
                failed += failures
        settings = self.settings
        if total >= settings.volume_threshold and failed >= settings.error_threshold * total:
            self._open(now)

    def _open(self, now: float) -> None:
        self._enter("open")
        self.opened_at = now
        self._buckets.clear()

    def _enter(self, state: State) -> None:
        self.state = state
        self.transitions[state] += 1
