"""Traffic shaping the edge configures (router.yaml `traffic_shaping`), in the pipeline's terms.

The edge never names executor/: the rate limiter, the circuit breaker and the retry
settings it reads from router.yaml are built through here (subgraphs.py stacks the
outbound ones on the transport).

    limiter(redis_url, prefix) -> Limiter      Redis (shared by replicas) or this process
    RouterRateLimit(limiter, limit).check(key) -> None, or the seconds to wait
"""

from __future__ import annotations

from dataclasses import dataclass

from supergraph.executor.circuit import BreakerSettings as BreakerSettings
from supergraph.executor.rate_limit import Limiter as Limiter
from supergraph.executor.rate_limit import MemoryLimiter, RedisLimiter
from supergraph.executor.rate_limit import RateLimit as RateLimit
from supergraph.executor.resilience import SubgraphPolicy as SubgraphPolicy
from supergraph.executor.retry import RetrySettings as RetrySettings

DEFAULT_KEY_PREFIX = "supergraph:rate:"


def limiter(redis_url: str | None, prefix: str = DEFAULT_KEY_PREFIX) -> Limiter:
    """GCRA in Redis at `redis_url` (falling back to this process's while Redis fails),
    or in this process only (None)."""
    if redis_url is None:
        return MemoryLimiter()
    return RedisLimiter(redis_url, prefix=prefix)


@dataclass(slots=True)
class RouterRateLimit:
    """`traffic_shaping.router.global_rate_limit`: one allowance per key (the edge
    picks the key: everyone, the client name, the subject, the IP, the operation id)."""

    limiter: Limiter
    limit: RateLimit
    refused: int = 0

    async def check(self, key: str) -> float | None:
        wait = await self.limiter.acquire("router:" + key, self.limit)
        if wait is not None:
            self.refused += 1
        return wait
