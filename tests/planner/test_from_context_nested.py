"""@fromContext with a selection reaching into a sub-object (`$shop { owner { name } }`):
the value passed is the leaf (`name`), not the first-level object, as Apollo's planner
passes it. Fixture `from_context_nested`, composed by @apollo/composition 2.14.4."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.kit.compare import post
from tests.kit.compose import NODE_DIR, node_executable
from tests.kit.processes import OurRouter
from tests.kit.scenario import Subgraph, by_key
from tests.kit.subgraph_server import SubgraphServer
from tests.planner.support import plan_json
from tests.planner.test_from_context import _APOLLO_PLANS, _contextual_fetches

FIXTURE = (
    Path(__file__).resolve().parent.parent / "fixtures" / "supergraphs" / "from_context_nested"
)
QUERY = '{ shop(id: "s1") { featured { name seller } } }'

PRODUCTS: list[dict[str, Any]] = [{"id": "p1", "name": "Kettle"}]
SHOPS: list[dict[str, Any]] = [
    {"id": "s1", "owner": {"name": "Ada", "city": "London"}, "featured": PRODUCTS[0]}
]


def _sdl(name: str) -> str:
    return (FIXTURE / "subgraphs" / f"{name}.graphql").read_text(encoding="utf-8")


def _seller(product: dict[str, Any], _info: object, name: object = None) -> str:
    # A string argument: an object here would be a bad variable for the subgraph.
    assert isinstance(name, str), name
    return f"{product['id']} by {name}"


SUBGRAPHS = (
    Subgraph(
        name="shops",
        sdl=_sdl("shops"),
        resolvers={"Query": {"shop": lambda _o, _i, id: by_key(SHOPS, "id")({"id": id})}},
        references={"Shop": by_key(SHOPS, "id"), "Product": by_key(PRODUCTS, "id")},
    ),
    Subgraph(
        name="pricing",
        sdl=_sdl("pricing"),
        resolvers={"Product": {"seller": _seller}},
        references={"Shop": by_key(SHOPS, "id"), "Product": by_key(PRODUCTS, "id")},
    ),
)


def test_rewrites_go_down_to_the_leaf_as_apollo_query_planner_s() -> None:
    sdl = (FIXTURE / "supergraph.graphql").read_text(encoding="utf-8")
    sdl = sdl.replace('context/v0.1", for: SECURITY', 'context/v0.1"')
    completed = subprocess.run(
        [node_executable(), "--input-type=module", "-e", _APOLLO_PLANS],
        input=json.dumps({"supergraph": sdl, "queries": [QUERY]}),
        capture_output=True,
        text=True,
        cwd=NODE_DIR,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    (apollo,) = json.loads(completed.stdout)
    ours = _contextual_fetches(plan_json("from_context_nested", QUERY)["node"])
    assert ours == _contextual_fetches(apollo)
    ((_, _, _, rewrites),) = ours
    assert rewrites[0]["path"] == ["..", "... on Shop", "owner", "name"]


@pytest.fixture(scope="module")
def router_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    workdir: Path = tmp_path_factory.mktemp("from_context_nested")
    servers = [SubgraphServer(s) for s in SUBGRAPHS]
    router: OurRouter | None = None
    try:
        sdl = (FIXTURE / "supergraph.graphql").read_text(encoding="utf-8")
        for server in servers:
            server.start()
            sdl = sdl.replace(f'"http://{server.name}"', f'"{server.url}"')
        supergraph = workdir / "supergraph.graphql"
        supergraph.write_text(sdl, encoding="utf-8")
        router = OurRouter(supergraph, workdir / "router.log")
        router.start()
        yield router.url
    finally:
        if router is not None:
            router.stop()
        for server in servers:
            server.stop()


def test_the_leaf_value_reaches_the_subgraph_over_http(router_url: str) -> None:
    response = post(router_url, QUERY)
    assert response.body == {
        "data": {"shop": {"featured": {"name": "Kettle", "seller": "p1 by Ada"}}}
    }
