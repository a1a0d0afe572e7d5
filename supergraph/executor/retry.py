"""Retries of failed subgraph queries, within a budget (Apollo Router's `experimental_retry`).

    RetryBudget(settings).deposit(now)     each first attempt adds `retry_percent` of a retry
    RetryBudget.withdraw(now) -> bool      may one more retry go out?
    backoff(attempt, settings) -> seconds  exponential, with full jitter

The budget is the one tower's `Budget` (which Apollo Router used) keeps: retries
may add at most `retry_percent` to the requests sent in the last `ttl` seconds,
plus `min_per_sec` retries a second whatever the traffic (so a quiet router still
retries a rare failure). In an outage every request fails, the budget runs dry
after its share, and the subgraph sees at most (1 + retry_percent) times the
traffic plus the minimum, instead of (1 + retries) times.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

_BUCKETS = 10


@dataclass(frozen=True, slots=True)
class RetrySettings:
    min_per_sec: int = 10
    ttl: float = 10.0
    retry_percent: float = 0.2
    retry_mutations: bool = False
    """Apollo's key; mutations are not idempotent, so off (and a mutation plan's entity
    fetches, which must read what it wrote, are not retried either)."""
    max_retries: int = 2
    """Ours: retries of one request at most (the budget bounds them all together)."""
    backoff: float = 0.05
    """Ours: seconds before the first retry at most (doubling for each next one)."""
    backoff_max: float = 1.0


class RetryBudget:
    __slots__ = ("_deposits", "_withdrawals", "refused", "retried", "settings")

    def __init__(self, settings: RetrySettings) -> None:
        self.settings = settings
        self._deposits: dict[int, int] = {}
        self._withdrawals: dict[int, int] = {}
        self.retried = 0
        self.refused = 0
        """Retries the budget did not allow."""

    def deposit(self, now: float) -> None:
        index = self._index(now)
        self._deposits[index] = self._deposits.get(index, 0) + 1

    def withdraw(self, now: float) -> bool:
        index = self._index(now)
        oldest = index - _BUCKETS + 1
        for table in (self._deposits, self._withdrawals):
            for stale in [i for i in table if i < oldest]:
                del table[stale]
        settings = self.settings
        sent = sum(self._deposits.values())
        spent = sum(self._withdrawals.values())
        allowed = settings.min_per_sec * settings.ttl + sent * settings.retry_percent
        if spent + 1 > allowed:
            self.refused += 1
            return False
        self._withdrawals[index] = self._withdrawals.get(index, 0) + 1
        self.retried += 1
        return True

    def _index(self, now: float) -> int:
        return math.floor(now / (self.settings.ttl / _BUCKETS))


def backoff(attempt: int, settings: RetrySettings) -> float:
    """Seconds before retry number `attempt` (1, 2, ...): uniformly below the exponential
    bound, so the retries of many clients failing together do not arrive together."""
    bound = min(settings.backoff_max, settings.backoff * 2 ** (attempt - 1))
    return random.uniform(0, bound)
