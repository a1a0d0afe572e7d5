"""Rate limits keyed by the verified subject, and authenticated requests never merged by
inbound de-duplication (their answers are the caller's own)."""

from __future__ import annotations

import asyncio
from typing import Any

from tests.auth import tokens

from .stack import TOP_DATA, stack

AUTH: dict[str, Any] = {"keys": [{"jwk": tokens.jwk(tokens.RSA_KEY, "rsa-1")}]}


def bearer(subject: str) -> dict[str, str]:
    return {"authorization": f"Bearer {tokens.token(sub=subject)}"}


async def test_keyed_by_subject_each_user_has_its_own_allowance() -> None:
    limit = {"capacity": 2, "interval": "1h", "key": "subject"}
    config = {
        "authentication": AUTH,
        "traffic_shaping": {"router": {"global_rate_limit": limit}},
    }
    async with stack(config) as s:
        router = s.router
        ada = [(await router.post(**bearer("ada"))).status_code for _ in range(3)]
        bob = [(await router.post(**bearer("bob"))).status_code for _ in range(3)]
        # Anonymous requests are keyed by IP: one allowance for this loopback client.
        anonymous = [(await router.post()).status_code for _ in range(3)]
        assert ada == bob == anonymous == [200, 200, 429]


async def test_authenticated_requests_are_not_merged() -> None:
    config = {
        "authentication": AUTH,
        "traffic_shaping": {
            "router": {"deduplicate_query": True},
            "all": {"deduplicate_query": False},
        },
    }
    async with stack(config) as s:
        s.subgraph.gate = asyncio.Event()
        # The same user, no header forwarded to the subgraph: still private.
        headers = bearer("ada")
        calls = [asyncio.create_task(s.router.post(**headers)) for _ in range(3)]
        await s.subgraph.until_received(3)
        s.subgraph.gate.set()
        answers = await asyncio.gather(*calls)
        assert [a.json() for a in answers] == [{"data": TOP_DATA}] * 3
        assert await s.router.metric("router_inbound_deduplicated_requests_total") == 0
