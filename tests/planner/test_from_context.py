"""@context / @fromContext: plans (as Apollo's query planner makes them) and answers over HTTP.

The fixture `from_context` is composed by @apollo/composition 2.14.4 (the Guild
composer refuses @context). Apollo Gateway 2.14.4 refuses the supergraph
(`context/v0.1` is `for: SECURITY` and unsupported there), so answers are
checked against the data written here, through our router and real subgraphs
on loopback.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from graphql import parse, print_ast

from tests.kit.compare import post
from tests.kit.compose import NODE_DIR, node_executable
from tests.kit.processes import OurRouter
from tests.kit.subgraph_server import SubgraphServer
from tests.planner.from_context_graph import FIXTURE, SUBGRAPHS
from tests.planner.support import expected, plan_json, plan_text


def _fetches(node: dict[str, Any]) -> list[dict[str, Any]]:
    """Fetch nodes of a JSON plan, in order."""
    if node.get("kind") == "Fetch":
        return [node]
    children = [node["node"]] if "node" in node else node.get("nodes", [])
    return [fetch for child in children for fetch in _fetches(child)]


def test_direct_parent_plan() -> None:
    query = '{ shop(id: "s1") { featured { price } } }'
    assert plan_text("from_context", query) == expected(
        """
        QueryPlan {
          Sequence {
            Fetch(service: "shops") {
              {
                shop(id: "s1") {
                  featured {
                    __typename
                    id
                  }
                  __typename
                  id
                }
              }
            },
            Flatten(path: "shop") {
              Fetch(service: "pricing") {
                {
                  ... on Shop {
                    __typename
                    id
                  }
                } =>
                {
                  ... on Shop {
                    currency
                  }
                }
              },
            },
            Flatten(path: "shop.featured") {
              Fetch(service: "pricing") {
                {
                  ... on Product {
                    __typename
                    id
                  }
                } =>
                {
                  ... on Product {
                    price(currency: $contextualArgument_2_0)
                  }
                }
              },
            },
          },
        }
        """
    )
    last = _fetches(plan_json("from_context", query)["node"])[-1]
    assert last["operation"] == (
        "query($representations:[_Any!]!,$contextualArgument_2_0:String)"
        "{_entities(representations:$representations){...on Product{price(currency:$contextualArgument_2_0)}}}"
    )
    assert last["contextRewrites"] == [
        {
            "kind": "KeyRenamer",
            "path": ["..", "... on Shop", "currency"],
            "renameKeyTo": "contextualArgument_2_0",
        }
    ]


def test_ancestor_two_levels_up() -> None:
    query = '{ shop(id: "s2") { sections { products { price } } } }'
    last = _fetches(plan_json("from_context", query)["node"])[-1]
    assert last["contextRewrites"] == [
        {
            "kind": "KeyRenamer",
            "path": ["..", "..", "... on Shop", "currency"],
            "renameKeyTo": "contextualArgument_2_0",
        }
    ]


def test_context_on_an_interface_in_the_same_subgraph() -> None:
    # The value varies per venue: the field is asked in an entity fetch of the
    # same subgraph, with one path per implementation of the interface.
    query = "{ venues { tickets { label } } }"
    assert plan_text("from_context", query) == expected(
        """
        QueryPlan {
          Sequence {
            Fetch(service: "events") {
              {
                venues {
                  __typename
                  tickets {
                    __typename
                    id
                  }
                  locale
                }
              }
            },
            Flatten(path: "venues.@.tickets.@") {
              Fetch(service: "events") {
                {
                  ... on Ticket {
                    __typename
                    id
                  }
                } =>
                {
                  ... on Ticket {
                    label(locale: $contextualArgument_1_0)
                  }
                }
              },
            },
          },
        }
        """
    )
    last = _fetches(plan_json("from_context", query)["node"])[-1]
    assert [r["path"] for r in last["contextRewrites"]] == [
        ["..", "... on Arena", "locale"],
        ["..", "... on Club", "locale"],
    ]


# -- over HTTP ------------------------------------------------------------------


@pytest.fixture(scope="module")
def stack(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[str, dict[str, SubgraphServer]]]:
    workdir: Path = tmp_path_factory.mktemp("from_context")
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
        yield router.url, {server.name: server for server in servers}
    finally:
        if router is not None:
            router.stop()
        for server in servers:
            server.stop()


CASES = {
    "direct parent": (
        '{ shop(id: "s1") { featured { name price } } }',
        {"shop": {"featured": {"name": "Kettle", "price": "10 EUR"}}},
    ),
    "two levels up": (
        '{ shop(id: "s2") { sections { title products { price } } } }',
        {"shop": {"sections": [{"title": "Home", "products": [{"price": "10 USD"}]}]}},
    ),
    "one entity, different values": (
        "{ shops { name sections { products { id price } } } }",
        {
            "shops": [
                {
                    "name": "Berlin",
                    "sections": [
                        {
                            "products": [
                                {"id": "p1", "price": "10 EUR"},
                                {"id": "p2", "price": "2 EUR"},
                            ]
                        }
                    ],
                },
                {"name": "Boston", "sections": [{"products": [{"id": "p1", "price": "10 USD"}]}]},
            ]
        },
    ),
    "interface context": (
        "{ venues { id ... on Arena { capacity } tickets { id label } } }",
        {
            "venues": [
                {
                    "id": "a1",
                    "capacity": 900,
                    "tickets": [{"id": "t1", "label": "t1-de"}, {"id": "t2", "label": "t2-de"}],
                },
                {"id": "c1", "tickets": [{"id": "t1", "label": "t1-fr"}]},
            ]
        },
    ),
    "union context, a field per member": (
        "{ spots { ... on Park { id items { tag } } ... on Beach { id items { tag } } } }",
        {
            "spots": [
                {"id": "k1", "items": [{"tag": "i1@north"}, {"tag": "i2@north"}]},
                {"id": "b1", "items": [{"tag": "i1@bay"}]},
            ]
        },
    ),
    "context field selected too": (
        '{ shop(id: "s1") { currency featured { price } } }',
        {"shop": {"currency": "EUR", "featured": {"price": "10 EUR"}}},
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_answers_over_http(stack: tuple[str, dict[str, SubgraphServer]], case: str) -> None:
    url, _ = stack
    query, data = CASES[case]
    response = post(url, query)
    assert response.body.get("errors") is None, response.body
    assert response.body["data"] == data


def test_different_values_go_in_one_request(stack: tuple[str, dict[str, SubgraphServer]]) -> None:
    url, servers = stack
    pricing = servers["pricing"]
    pricing.reset_requests()
    post(url, "{ shops { sections { products { price } } } }")
    # One request for the currencies, one for the prices: p1 twice (EUR and USD).
    assert pricing.request_count == 2
    prices = pricing.requests[1]
    assert "_0:_entities" in prices["query"].replace(" ", "")
    assert prices["variables"]["contextualArgument_2_0_0"] == "EUR"
    assert prices["variables"]["contextualArgument_2_0_1"] == "USD"
    assert prices["variables"]["representations_0"] == [
        {"__typename": "Product", "id": "p1"},
        {"__typename": "Product", "id": "p2"},
    ]
    assert prices["variables"]["representations_1"] == [{"__typename": "Product", "id": "p1"}]


def test_an_error_in_one_group_lands_at_its_entity(
    stack: tuple[str, dict[str, SubgraphServer]],
) -> None:
    url, _ = stack
    response = post(url, "{ shops { featured { id price } } }")
    # p1 (EUR) and p2 (USD) go as `_0` and `_1`; p2's price fails, its null
    # reaches the nullable `featured`.
    assert response.body["data"] == {
        "shops": [{"featured": {"id": "p1", "price": "10 EUR"}}, {"featured": None}]
    }
    assert [e["path"] for e in response.body["errors"]] == [["shops", 1, "featured", "price"]]


def test_conditions_at_run_time(stack: tuple[str, dict[str, SubgraphServer]]) -> None:
    url, servers = stack
    query = 'query($x: Boolean!) { shop(id: "s1") { name featured { p: price @include(if: $x) } } }'
    pricing = servers["pricing"]
    pricing.reset_requests()
    off = post(url, query, {"x": False})
    assert off.body == {"data": {"shop": {"name": "Berlin", "featured": {}}}}
    assert pricing.request_count == 0
    on = post(url, query, {"x": True})
    assert on.body == {"data": {"shop": {"name": "Berlin", "featured": {"p": "10 EUR"}}}}


def test_same_values_keep_the_planned_operation(
    stack: tuple[str, dict[str, SubgraphServer]],
) -> None:
    url, servers = stack
    pricing = servers["pricing"]
    pricing.reset_requests()
    post(url, '{ shop(id: "s1") { sections { products { price } } } }')
    prices = pricing.requests[1]
    assert "_0:_entities" not in prices["query"].replace(" ", "")
    assert "{_entities(" in prices["query"]
    assert prices["variables"]["contextualArgument_2_0"] == "EUR"


# -- against Apollo's query planner ------------------------------------------------

_APOLLO_PLANS = """
import { QueryPlanner } from "@apollo/query-planner";
import { Supergraph, operationFromDocument } from "@apollo/federation-internals";
import { parse } from "graphql";
const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const { supergraph, queries } = JSON.parse(Buffer.concat(chunks).toString("utf8"));
const model = Supergraph.build(supergraph);
const planner = new QueryPlanner(model);
const plans = queries.map((q) => planner.buildQueryPlan(operationFromDocument(model.schema, parse(q))));
process.stdout.write(JSON.stringify(plans.map((p) => p.node)));
"""


def _contextual_fetches(node: dict[str, Any], path: tuple[str, ...] = ()) -> list[Any]:
    """(merge path, subgraph, operation as graphql-core prints it, contextRewrites) of each
    fetch that takes context values."""
    if node.get("kind") == "Flatten":
        return _contextual_fetches(node["node"], tuple(node["path"]))
    if node.get("kind") == "Fetch":
        if not node.get("contextRewrites"):
            return []
        operation = print_ast(parse(node["operation"]))
        return [(path, node["serviceName"], operation, node["contextRewrites"])]
    children = [*node.get("nodes", []), node.get("ifClause"), node.get("elseClause")]
    return [f for child in children if child for f in _contextual_fetches(child)]


def test_values_are_fetched_only_when_the_field_is() -> None:
    query = 'query($x: Boolean!) { shop(id: "s1") { name featured { price @include(if: $x) } } }'
    node = plan_json("from_context", query)["node"]
    assert node["kind"] == "Sequence"
    root, currency, price = node["nodes"]
    assert root["serviceName"] == "shops"
    # Apollo's planner runs these two in parallel (the price may go without its
    # value); here the value's fetch comes first, and both only when $x is true.
    for step, path in ((currency, ["shop"]), (price, ["shop", "featured"])):
        assert step["kind"] == "Condition"
        assert step["condition"] == "x"
        assert step["ifClause"]["path"] == path


def test_contextual_fetches_are_apollo_query_planner_s() -> None:
    # Apollo's planner (the same packages as Apollo Gateway 2.14.4) refuses the
    # `for: SECURITY` link like the gateway; it plans the same graph without it.
    sdl = (FIXTURE / "supergraph.graphql").read_text(encoding="utf-8")
    sdl = sdl.replace('context/v0.1", for: SECURITY', 'context/v0.1"')
    queries = [query for query, _ in CASES.values()] + [
        "{ venues { ... on Club { tickets { label } } } }",
        '{ shop(id: "s2") { featured { p: price q: price } } }',
    ]
    completed = subprocess.run(
        [node_executable(), "--input-type=module", "-e", _APOLLO_PLANS],
        input=json.dumps({"supergraph": sdl, "queries": queries}),
        capture_output=True,
        text=True,
        cwd=NODE_DIR,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    apollo = json.loads(completed.stdout)
    for query, apollo_node in zip(queries, apollo, strict=True):
        ours = _contextual_fetches(plan_json("from_context", query)["node"])
        assert ours, query
        assert ours == _contextual_fetches(apollo_node), query
