"""`supergraph dev --entity-cache`: the router it builds caches subgraph answers in
memory. The router app as dev configures it, over real HTTP, in front of a counting
stub subgraph that sends Cache-Control."""

from __future__ import annotations

import argparse

import httpx

from supergraph.cli.dev import add_arguments, with_entity_cache
from supergraph.http.config import parse_config
from supergraph.http.server import build_app
from tests.executor.supergraph_fixture import SUPERGRAPH_SDL
from tests.http.loopback import serve
from tests.traffic.stack import TOP, TOP_DATA, StubSubgraph


def test_the_flag_is_read() -> None:
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    assert parser.parse_args(["--entity-cache"]).entity_cache is True
    assert parser.parse_args([]).entity_cache is False


def test_a_config_turning_the_cache_on_keeps_its_own() -> None:
    own = parse_config({"response_cache": {"enabled": True, "subgraph": {"all": {"ttl": "5s"}}}})
    assert with_entity_cache(own) is own


async def test_a_repeated_query_is_answered_from_memory() -> None:
    subgraph = StubSubgraph()
    subgraph.cache_control = "public, max-age=30"
    async with serve(subgraph.app) as url:
        urls = {name: f"{url}/graphql" for name in ("products", "reviews", "accounts")}
        config = with_entity_cache(parse_config({"override_subgraph_url": urls}))
        async with (
            serve(build_app(SUPERGRAPH_SDL, config)) as router,
            httpx.AsyncClient(base_url=router) as client,
        ):
            answers = [(await client.post("/graphql", json={"query": TOP})) for _ in range(3)]
    assert [a.json() for a in answers] == [{"data": TOP_DATA}] * 3
    assert subgraph.requests == 1
    assert answers[0].headers["cache-control"] == "max-age=30,public"
