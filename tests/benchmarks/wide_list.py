"""The bench's `wide_list` operation in process: bundled supergraph, synthetic subgraphs.

100 products x 5 reviews with author, price and inStock over four subgraphs
(about 70 KB of response), as `python -m bench` runs it against the stubs,
minus HTTP: each subgraph answer is encoded once per distinct request body and
decoded with orjson on every request, as the HTTP transport would.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson

from bench.operations import WIDE_LIST
from supergraph.executor.mock_transport import MockTransport
from supergraph.executor.transport import SubgraphRequest
from supergraph.types import JSONObject

SCHEMA = Path(__file__).resolve().parents[2] / "schema.graphql"

QUERY = WIDE_LIST.query
"""The benchmark's wide_list operation (bench/operations.py), the same bytes."""

PRODUCTS = 100
REVIEWS_PER_PRODUCT = 5
USERS = 60


def _products() -> JSONObject:
    edges = [
        {
            "node": {
                "upc": f"upc-{i:04d}",
                "name": f"Product number {i}",
                "price": {"amount": 1050 + i, "currency": "EUR"},  # Int!: minor units
                "__typename": "Product",
            }
        }
        for i in range(PRODUCTS)
    ]
    return {"data": {"products": {"edges": edges}}}


def _entities(subgraph: str, representations: list[Any]) -> JSONObject:
    entities: list[object] = []
    for rep in representations:
        if subgraph == "inventory":
            entities.append({"__typename": "Product", "inStock": int(rep["upc"][-1]) % 3 != 0})
        elif subgraph == "reviews":
            n = int(rep["upc"][4:])
            reviews = [
                {
                    "id": str(n * REVIEWS_PER_PRODUCT + k),
                    "rating": (n + k) % 5 + 1,
                    "body": f"Review {k} of product {n}: solid, would buy again.",
                    "author": {"id": str((n * 7 + k) % USERS), "__typename": "User"},
                }
                for k in range(REVIEWS_PER_PRODUCT)
            ]
            entities.append({"__typename": "Product", "reviews": reviews})
        else:
            entities.append({"__typename": "User", "name": f"User {rep['id']}"})
    return {"data": {"_entities": entities}}


def _answer(subgraph: str, request: SubgraphRequest) -> JSONObject:
    representations = request.variables.get("representations")
    if isinstance(representations, list):
        return _entities(subgraph, representations)
    return _products()


class ReplayTransport(MockTransport):
    """Answers from bytes cached per (subgraph, request body); decodes on each call."""

    def __init__(self) -> None:
        self._replies: dict[tuple[str, bytes], bytes] = {}
        super().__init__(self._reply)

    def _reply(self, subgraph: str, request: SubgraphRequest) -> JSONObject:
        key = (subgraph, orjson.dumps(request.to_json()))
        raw = self._replies.get(key)
        if raw is None:
            raw = self._replies[key] = orjson.dumps(_answer(subgraph, request))
        decoded: JSONObject = orjson.loads(raw)
        return decoded
