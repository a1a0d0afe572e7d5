"""Fault injection: a stub subgraph failing half its requests (503, no GraphQL body).

Retries stay within their budget (counted at the subgraph), the circuit breaker
opens, refuses without contacting the subgraph, probes after its reset timeout
and closes once the subgraph answers again; its state is in /metrics.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from supergraph.errors import SUBGRAPH_CIRCUIT_BREAKER_REJECTED, SUBREQUEST_HTTP_ERROR

from .stack import TOP_DATA, every_other, healthy, stack

M = 40


def shaping(all_: dict[str, Any]) -> dict[str, Any]:
    return {"traffic_shaping": {"all": {"deduplicate_query": False, **all_}}}


RETRY = {
    "experimental_retry": {
        "min_per_sec": 0,
        "ttl": "1h",
        "retry_percent": 0.2,
        "backoff": "1ms",
        "backoff_max": "2ms",
    }
}


def code_of(body: dict[str, Any]) -> str | None:
    errors = body.get("errors")
    return errors[0]["extensions"]["code"] if errors else None


async def test_retries_stay_within_the_budget_of_a_half_failing_subgraph() -> None:
    async with stack(shaping(RETRY)) as s:
        s.subgraph.fails = every_other
        bodies = [(await s.router.post()).json() for _ in range(M)]
        sent = await s.router.metric(
            "router_subgraph_retries_total", subgraph="products", result="sent"
        )
        over = await s.router.metric(
            "router_subgraph_retries_total", subgraph="products", result="over_budget"
        )
    # Every request a client sent reached the subgraph once, plus the retries: never
    # more than 20% of them (min_per_sec 0), where unbudgeted retries would double it.
    assert s.subgraph.requests == M + sent
    assert 1 <= sent <= 0.2 * M
    assert over >= 1
    answered = sum(body.get("data") == TOP_DATA for body in bodies)
    failed = sum(code_of(body) == SUBREQUEST_HTTP_ERROR for body in bodies)
    assert answered + failed == M
    # Each answer the subgraph gave answered a client; retries saved some of the
    # half that would have failed.
    assert answered == s.subgraph.requests - s.subgraph.failed
    assert answered > M // 2


async def test_mutations_are_not_retried() -> None:
    generous = {"experimental_retry": {**RETRY["experimental_retry"], "min_per_sec": 10}}
    async with stack(shaping(generous)) as s:
        s.subgraph.fails = lambda index: True
        body = (await s.router.post('mutation { addProduct(name: "x") { upc } }')).json()
        assert code_of(body) == SUBREQUEST_HTTP_ERROR
        assert s.subgraph.requests == 1
        query = (await s.router.post()).json()
        assert code_of(query) == SUBREQUEST_HTTP_ERROR
        assert s.subgraph.requests == 1 + 3  # a query: two retries (max_retries)


def first_fails(index: int) -> bool:
    return index == 0


@pytest.mark.parametrize("client", ["http1", "aiohttp"])
async def test_a_retry_waits_for_the_subgraphs_retry_after(client: str) -> None:
    # Backoff 1 ms; Retry-After 1 s: a retry that ignored it would be refused (early).
    once = {"experimental_retry": {**RETRY["experimental_retry"], "min_per_sec": 10}}
    config = shaping(once)
    config["traffic_shaping"]["http_client"] = client
    async with stack(config) as s:
        s.subgraph.fails = first_fails
        s.subgraph.retry_after = 1
        body = (await s.router.post()).json()
        assert body == {"data": TOP_DATA}
        assert (s.subgraph.requests, s.subgraph.failed, s.subgraph.early) == (2, 1, 0)


async def test_a_retry_after_beyond_the_timeout_is_not_waited_for() -> None:
    once = {"experimental_retry": {**RETRY["experimental_retry"], "min_per_sec": 10}}
    async with stack({**shaping(once), "subgraph_timeout": 30}) as s:
        s.subgraph.fails = first_fails
        s.subgraph.retry_after = 3600
        body = (await s.router.post()).json()
        # The subgraph's own error at once, not a timeout after 30 s; no retry sent.
        assert code_of(body) == SUBREQUEST_HTTP_ERROR
        assert (s.subgraph.requests, s.subgraph.early) == (1, 0)
        sent = await s.router.metric(
            "router_subgraph_retries_total", subgraph="products", result="sent"
        )
        assert sent == 0


BREAKER = {
    "circuit_breaker": {
        "error_threshold": 0.5,
        "volume_threshold": 10,
        "window": "1h",
        "reset_timeout": "1s",
        "half_open_attempts": 2,
    }
}


async def test_the_breaker_opens_refuses_probes_and_closes_on_recovery() -> None:
    async with stack(shaping(BREAKER)) as s:
        router = s.router
        s.subgraph.fails = every_other
        codes = []
        for _ in range(20):
            codes.append(code_of((await router.post()).json()))
            if codes[-1] == SUBGRAPH_CIRCUIT_BREAKER_REJECTED:
                break
        # Opened by the 10th request (volume_threshold), the 5th failure (half).
        assert codes[-1] == SUBGRAPH_CIRCUIT_BREAKER_REJECTED
        reached = s.subgraph.requests
        assert reached == len(codes) - 1 == 10
        assert await router.metric("router_subgraph_circuit_state", subgraph="products") == 1
        # Open: refused without a request to the subgraph.
        for _ in range(5):
            body = (await router.post()).json()
            assert code_of(body) == SUBGRAPH_CIRCUIT_BREAKER_REJECTED
            assert body["errors"][0]["extensions"]["serviceName"] == "products"
        assert s.subgraph.requests == reached
        assert (
            await router.metric("router_subgraph_circuit_rejected_total", subgraph="products") == 6
        )

        # The subgraph recovers; after reset_timeout two probes go out and close it.
        s.subgraph.fails = healthy
        await asyncio.sleep(1.2)
        answers = [(await router.post()).json() for _ in range(5)]
        assert answers == [{"data": TOP_DATA}] * 5
        assert s.subgraph.requests == reached + 5
        assert await router.metric("router_subgraph_circuit_state", subgraph="products") == 0
        transitions = {
            state: await router.metric(
                "router_subgraph_circuit_transitions_total", subgraph="products", state=state
            )
            for state in ("open", "half_open", "closed")
        }
        assert transitions == {"open": 1, "half_open": 1, "closed": 1}


async def test_a_failed_probe_opens_the_breaker_again() -> None:
    async with stack(shaping(BREAKER)) as s:
        router = s.router
        s.subgraph.fails = lambda index: True
        for _ in range(10):
            await router.post()
        assert s.subgraph.requests == 10
        assert code_of((await router.post()).json()) == SUBGRAPH_CIRCUIT_BREAKER_REJECTED
        await asyncio.sleep(1.2)
        # The probe fails: open again at once, the next request is refused unsent.
        assert code_of((await router.post()).json()) == SUBREQUEST_HTTP_ERROR
        assert code_of((await router.post()).json()) == SUBGRAPH_CIRCUIT_BREAKER_REJECTED
        assert s.subgraph.requests == 11
        assert await router.metric("router_subgraph_circuit_state", subgraph="products") == 1


async def test_retries_and_breaker_together_bound_the_load_of_an_outage() -> None:
    """Half the requests fail, then all: retries within budget, then the breaker stops
    the traffic; the subgraph sees at most the requests plus the budget's share."""
    async with stack(shaping({**RETRY, **BREAKER})) as s:
        s.subgraph.fails = every_other
        for _ in range(M):
            await s.router.post()
        sent = await s.router.metric(
            "router_subgraph_retries_total", subgraph="products", result="sent"
        )
        rejected = await s.router.metric(
            "router_subgraph_circuit_rejected_total", subgraph="products"
        )
        assert sent <= 0.2 * M
        assert s.subgraph.requests == M - rejected + sent
        assert rejected >= 1


async def test_retries_over_the_aiohttp_client_through_the_deduplicator() -> None:
    """The de-duplicator hands shared queries on encoded; aiohttp's client takes
    requests only: the body is read back and each attempt still counted."""
    generous = {"experimental_retry": {**RETRY["experimental_retry"], "min_per_sec": 10}}
    config = {"traffic_shaping": {"http_client": "aiohttp", "all": generous}}
    async with stack(config) as s:
        s.subgraph.fails = lambda index: index == 0
        body = (await s.router.post()).json()
        assert body == {"data": TOP_DATA}
        assert s.subgraph.requests == 2
