"""bench.public: the public gateway benchmark's subgraphs compose to its supergraph's
shape, and its query answers what its k6 script expects (in process, fast)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import orjson

from bench import inprocess, public
from bench.public_subgraphs import SCHEMAS
from supergraph.pipeline.response import GraphQLResponse


def test_the_subgraphs_compose_with_the_requires_and_the_provides(tmp_path: Path) -> None:
    ports = {name: 4200 + index for index, name in enumerate(SCHEMAS)}
    sdl = public.write_supergraph(tmp_path, ports).read_text()
    assert "shippingEstimate: Int @join__field(graph: INVENTORY, requires: " in sdl
    assert 'author: User @join__field(graph: REVIEWS, provides: "username")' in sdl
    assert "topProducts(first: Int = 5): [Product]" in sdl
    assert f"http://127.0.0.1:{ports['reviews']}/graphql" in sdl


def test_the_query_answers_as_the_benchmark_expects() -> None:
    router, request = inprocess._public()
    loop = asyncio.new_event_loop()
    try:
        response = loop.run_until_complete(router.execute(request))
    finally:
        loop.close()
    assert isinstance(response, GraphQLResponse)
    raw = orjson.dumps(response.body)
    body = json.loads(raw)
    assert "errors" not in body
    assert len(raw) == 87_599  # their k6 summary: about 87 KB per response
    users = body["data"]["users"]
    assert [user["username"] for user in users][:2] == ["urigo", "dotansimha"]
    review = users[0]["reviews"][0]
    assert review["id"] == "1" and review["body"].startswith("Lorem ipsum")
    product = review["product"]
    assert product == {**product, "upc": "1", "name": "Table", "price": 899, "weight": 100}
    assert product["inStock"] is True and product["shippingEstimate"] is None
    author = product["reviews"][0]["author"]
    assert author["username"] == "urigo" and len(author["reviews"]) == 2
    assert len(body["data"]["topProducts"]) == 5
