"""Outbound traffic shaping per subgraph: rate limit, circuit breaker, retries.

    ResilientTransport(inner, policies, limiter)   a `SubgraphTransport` around another

Each attempt at a subgraph request, in order:

1. the circuit breaker (circuit.py) admits it, or the fetch fails at once with
   SUBGRAPH_CIRCUIT_BREAKER_REJECTED;
2. the subgraph's `global_rate_limit` (rate_limit.py, shared by replicas in Redis)
   allows it, or the fetch fails with REQUEST_RATE_LIMITED (as Apollo Router's);
3. it is sent; a failure (connection, 5xx or 429 without a GraphQL body, or
   cancelled in flight: the subgraph's timeout) counts against the breaker and, for a query outside a mutation's plan, is retried after a
   jittered backoff (retry.py) when the subgraph's retry budget allows. A 429 or
   503 with Retry-After is retried no sooner than it says, and only when that is
   before the fetch's timeout (without one, within MAX_RETRY_AFTER): else its
   error is the answer at once, no budget spent.

It sits below the in-flight de-duplicator (a shared request counts once) and
above the HTTP client (each retry is a request of its own in the metrics). The
executor's per-subgraph timeout covers the attempts and their backoffs together.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from dataclasses import dataclass

import orjson

from supergraph.errors import REQUEST_RATE_LIMITED, SUBGRAPH_CIRCUIT_BREAKER_REJECTED
from supergraph.executor.circuit import STATE_VALUES, BreakerSettings, CircuitBreaker
from supergraph.executor.dedup import requests_unshared
from supergraph.executor.rate_limit import Limiter, RateLimit
from supergraph.executor.retry import RetryBudget, RetrySettings, backoff
from supergraph.executor.transport import (
    EncodedBodyTransport,
    SubgraphHTTPError,
    SubgraphRequest,
    SubgraphResponseTooLarge,
    SubgraphTransport,
    SubgraphTransportError,
    time_left,
)
from supergraph.types import JSONObject

MAX_RETRY_AFTER = 10.0
"""The longest Retry-After waited for when the fetch has no timeout (seconds)."""


@dataclass(frozen=True, slots=True)
class SubgraphPolicy:
    """What `traffic_shaping` says for one subgraph (None: that part is off)."""

    rate_limit: RateLimit | None = None
    breaker: BreakerSettings | None = None
    retry: RetrySettings | None = None

    @property
    def active(self) -> bool:
        return self.rate_limit is not None or self.breaker is not None or self.retry is not None


class CircuitOpen(SubgraphTransportError):
    code = SUBGRAPH_CIRCUIT_BREAKER_REJECTED
    outcome = "circuit_open"

    def __init__(self, subgraph: str) -> None:
        super().__init__(
            f"Request to subgraph '{subgraph}' refused: its circuit breaker is open"
            " (too many of its requests failed lately)"
        )


class SubgraphRateLimited(SubgraphTransportError):
    code = REQUEST_RATE_LIMITED
    outcome = "rate_limited"

    def __init__(self, subgraph: str) -> None:
        super().__init__(f"Your request to subgraph '{subgraph}' has been rate limited")


def retryable(error: SubgraphTransportError) -> bool:
    """A failure another attempt may not meet: no connection, a 5xx or 429 without a
    GraphQL body. An answer over its size limit would be as large again."""
    if isinstance(error, SubgraphResponseTooLarge) or not isinstance(error, SubgraphHTTPError):
        return False
    return error.status is None or error.status >= 500 or error.status == 429


class _Subgraph:
    __slots__ = ("breaker", "budget", "policy")

    def __init__(self, policy: SubgraphPolicy) -> None:
        self.policy = policy
        self.breaker = None if policy.breaker is None else CircuitBreaker(policy.breaker)
        self.budget = None if policy.retry is None else RetryBudget(policy.retry)


class ResilientTransport:
    def __init__(
        self,
        inner: SubgraphTransport,
        policies: Mapping[str, SubgraphPolicy],
        limiter: Limiter | None = None,
        *,
        key_prefix: str = "subgraph:",
    ) -> None:
        self.inner = inner
        self._encoded = inner if isinstance(inner, EncodedBodyTransport) else None
        self._subgraphs = {name: _Subgraph(p) for name, p in policies.items() if p.active}
        self._limiter = limiter
        self._key_prefix = key_prefix
        self.rate_limited: dict[str, int] = {}

    async def send(self, subgraph: str, request: SubgraphRequest) -> JSONObject:
        state = self._subgraphs.get(subgraph)
        if state is None:
            return await self.inner.send(subgraph, request)
        return await self._attempts(subgraph, request, state, None)

    async def send_encoded(
        self, subgraph: str, body: bytes, headers: Mapping[str, str] | None, *, retryable: bool
    ) -> JSONObject:
        # Only the de-duplicator calls this, for queries it shares (never a mutation's).
        if self._encoded is None:  # below: a client that takes only requests (aiohttp's)
            raw = orjson.loads(body)
            request = SubgraphRequest(
                raw["query"], raw.get("variables") or {}, raw.get("operationName"), headers
            )
            return await self.send(subgraph, request)
        state = self._subgraphs.get(subgraph)
        if state is None:
            return await self._encoded.send_encoded(subgraph, body, headers, retryable=retryable)
        return await self._attempts(subgraph, None, state, (body, headers, retryable))

    async def _attempts(
        self,
        subgraph: str,
        request: SubgraphRequest | None,
        state: _Subgraph,
        encoded: tuple[bytes, Mapping[str, str] | None, bool] | None,
    ) -> JSONObject:
        budget = state.budget
        may_retry = budget is not None and self._may_retry(request, budget.settings)
        if budget is not None:
            budget.deposit(time.monotonic())
        attempt = 0
        while True:
            try:
                return await self._attempt(subgraph, request, state, encoded)
            except SubgraphTransportError as error:
                if not may_retry or not retryable(error):
                    raise
                assert budget is not None
                attempt += 1
                if attempt > budget.settings.max_retries:
                    raise
                wait = backoff(attempt, budget.settings)
                asked = error.retry_after if isinstance(error, SubgraphHTTPError) else None
                if asked is not None:
                    # The subgraph said when: sooner would be refused again. Not before
                    # the fetch's timeout, though: then its own error is the answer now.
                    wait = max(wait, asked)
                    left = time_left()
                    if wait >= (MAX_RETRY_AFTER if left is None else left):
                        raise
                if not budget.withdraw(time.monotonic()):
                    raise
                await asyncio.sleep(wait)

    @staticmethod
    def _may_retry(request: SubgraphRequest | None, settings: RetrySettings) -> bool:
        if settings.retry_mutations:
            return True
        if requests_unshared():
            return False  # a mutation's plan: its fetches must read what it wrote
        return request is None or request.is_query

    async def _attempt(
        self,
        subgraph: str,
        request: SubgraphRequest | None,
        state: _Subgraph,
        encoded: tuple[bytes, Mapping[str, str] | None, bool] | None,
    ) -> JSONObject:
        breaker = state.breaker
        if breaker is not None and not breaker.admit(time.monotonic()):
            raise CircuitOpen(subgraph)
        # Whatever raises below (a cancelled wait for Redis, an unexpected error), the
        # probe slot admit() may have reserved is settled: a half-open breaker whose
        # slot leaked would refuse every request for good.
        sent = False
        healthy = False
        try:
            limit = state.policy.rate_limit
            if limit is not None and self._limiter is not None:
                wait = await self._limiter.acquire(self._key_prefix + subgraph, limit)
                if wait is not None:
                    self.rate_limited[subgraph] = self.rate_limited.get(subgraph, 0) + 1
                    raise SubgraphRateLimited(subgraph)  # not sent: nothing to judge by
            sent = True
            if encoded is not None:
                assert self._encoded is not None
                body, headers, again = encoded
                result = await self._encoded.send_encoded(subgraph, body, headers, retryable=again)
            else:
                assert request is not None
                result = await self.inner.send(subgraph, request)
            healthy = True
        except SubgraphTransportError as error:
            # A client-side refusal (not retryable) says nothing bad of the subgraph.
            healthy = not retryable(error)
            raise
        finally:
            # A cancellation while sent is mostly the subgraph's timeout: failing too.
            if breaker is not None:
                if sent:
                    breaker.record(healthy, time.monotonic())
                else:
                    breaker.release()
        return result

    # -- metrics rows (read at scrape time) ----------------------------------------------

    def circuit_states(self) -> list[tuple[tuple[str], float]]:
        return [
            ((name,), STATE_VALUES[s.breaker.state])
            for name, s in self._subgraphs.items()
            if s.breaker is not None
        ]

    def circuit_rejections(self) -> list[tuple[tuple[str], float]]:
        return [
            ((name,), float(s.breaker.rejected))
            for name, s in self._subgraphs.items()
            if s.breaker is not None
        ]

    def circuit_transitions(self) -> list[tuple[tuple[str, str], float]]:
        return [
            ((name, state), float(count))
            for name, s in self._subgraphs.items()
            if s.breaker is not None
            for state, count in s.breaker.transitions.items()
        ]

    def retries(self) -> list[tuple[tuple[str, str], float]]:
        rows: list[tuple[tuple[str, str], float]] = []
        for name, s in self._subgraphs.items():
            if s.budget is not None:
                rows.append(((name, "sent"), float(s.budget.retried)))
                rows.append(((name, "over_budget"), float(s.budget.refused)))
        return rows

    def rate_limited_counts(self) -> list[tuple[tuple[str], float]]:
        return [((name,), float(count)) for name, count in self.rate_limited.items()]

    def breaker(self, subgraph: str) -> CircuitBreaker | None:
        state = self._subgraphs.get(subgraph)
        return None if state is None else state.breaker

    async def aclose(self) -> None:
        await self.inner.aclose()
        if self._limiter is not None:
            await self._limiter.aclose()
