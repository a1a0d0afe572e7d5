"""router.yaml `traffic_shaping.http_client`: which HTTP client sends subgraph requests."""

from __future__ import annotations

import asyncio
from contextlib import AsyncExitStack

import pytest

from supergraph.http.config import ConfigError, parse_config
from tests.http.test_dedup_http import JOIN, N, start


def test_http1_by_default_and_aiohttp_on_request() -> None:
    assert parse_config({}).traffic_shaping.http_client == "http1"
    chosen = parse_config({"traffic_shaping": {"http_client": "aiohttp"}})
    assert chosen.traffic_shaping.http_client == "aiohttp"


def test_an_unknown_client_names_the_key_and_the_choices() -> None:
    with pytest.raises(
        ConfigError, match=r"traffic_shaping.http_client: expected one of http1, aiohttp"
    ):
        parse_config({"traffic_shaping": {"http_client": "curl"}})


@pytest.mark.parametrize("client", ["http1", "aiohttp"])
async def test_either_client_joins_subgraphs_and_shares_identical_requests(client: str) -> None:
    async with AsyncExitStack() as exits:
        stack = await start(exits, {"traffic_shaping": {"http_client": client}})
        calls = [asyncio.create_task(stack.post(JOIN, {"n": 2})) for _ in range(N)]
        await stack.until_deduplicated("products", N - 1)
        stack.open()
        results = await asyncio.gather(*calls)
        product = {"upc": "1", "reviews": [{"body": "good"}]}
        assert results == [{"data": {"topProducts": [product, product]}}] * N
        assert len(stack.products.bodies) == 1
        assert len(stack.reviews.bodies) == 1
