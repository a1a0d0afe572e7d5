"""End to end over real HTTP on loopback: subgraphs, `build_app` (real planner), router.

Subgraphs are graphql-core schemas served by uvicorn on free ports; the router
gets their URLs through the config's URL overrides, as `supergraph serve` does.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from supergraph.http.config import RouterConfig, SubgraphConfig
from supergraph.http.server import build_app
from tests.executor.federated import subgraph_schema
from tests.executor.supergraph_fixture import SUPERGRAPH_SDL
from tests.http.loopback import GraphQLApp, serve

USERS = {"u1": "ada", "u2": "bob"}


def products(count: int) -> list[dict[str, Any]]:
    return [
        {"__typename": "Product", "upc": str(i), "name": f"P{i}", "status": "ACTIVE"}
        for i in range(count)
    ]


def reviews_of(upc: str) -> list[dict[str, Any]]:
    author = "u1" if int(upc) % 2 == 0 else "u2"
    return [{"body": f"review of {upc}", "author": {"__typename": "User", "id": author}}]


def subgraph_apps(count: int) -> dict[str, GraphQLApp]:
    return {
        "products": GraphQLApp(
            subgraph_schema(
                """type Query { topProducts(first: Int = 5): [Product] }
                type Mutation { addProduct(name: String!): Product }
                enum Status { ACTIVE SECRET }
                type Product { upc: String! name: String status: Status }""",
                entities={"Product": lambda r: {"upc": r["upc"], "name": f"P{r['upc']}"}},
                root={"topProducts": lambda first=5: products(count)[:first]},
            )
        ),
        "reviews": GraphQLApp(
            subgraph_schema(
                """type Query { _unused: Int }
                type Product { upc: String! reviews: [Review] }
                type Review { body: String! author: User }
                type User { id: ID! }""",
                entities={"Product": lambda r: {"upc": r["upc"], "reviews": reviews_of(r["upc"])}},
            )
        ),
        "accounts": GraphQLApp(
            subgraph_schema(
                "type Query { me: User } type User { id: ID! username: String }",
                entities={"User": lambda r: {"id": r["id"], "username": USERS.get(r["id"])}},
                root={"me": {"__typename": "User", "id": "u1", "username": "ada"}},
            )
        ),
    }


@dataclass
class Stack:
    router: httpx.AsyncClient
    subgraphs: dict[str, GraphQLApp]

    async def query(self, query: str, **variables: Any) -> dict[str, Any]:
        response = await self.router.post("/graphql", json={"query": query, "variables": variables})
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    def requests(self) -> dict[str, int]:
        return {name: app.requests for name, app in self.subgraphs.items() if app.requests}


async def start_stack(
    exits: AsyncExitStack, apps: dict[str, GraphQLApp], timeouts: dict[str, float] | None = None
) -> Stack:
    urls = {name: await exits.enter_async_context(serve(app.app)) for name, app in apps.items()}
    config = RouterConfig(
        subgraph_timeout=5,
        expose_query_plan=True,
        subgraphs={
            name: SubgraphConfig(url=f"{url}/graphql", timeout=(timeouts or {}).get(name))
            for name, url in urls.items()
        },
    )
    router_url = await exits.enter_async_context(serve(build_app(SUPERGRAPH_SDL, config)))
    # httpx's default 5 s read timeout is no bound of ours: on a loaded CI machine a
    # request once took longer, and a test must not fail on speed.
    client = await exits.enter_async_context(httpx.AsyncClient(base_url=router_url, timeout=120))
    return Stack(client, apps)


@pytest.fixture
async def stack(request: pytest.FixtureRequest) -> AsyncIterator[Stack]:
    async with AsyncExitStack() as exits:
        yield await start_stack(exits, subgraph_apps(getattr(request, "param", 3)))


QUERY = "{ topProducts { name reviews { body author { username } } } me { username } }"


async def test_query_across_three_subgraphs(stack: Stack) -> None:
    body = await stack.query(QUERY)
    assert body == {
        "data": {
            "topProducts": [
                {"name": "P0", "reviews": [{"body": "review of 0", "author": {"username": "ada"}}]},
                {"name": "P1", "reviews": [{"body": "review of 1", "author": {"username": "bob"}}]},
                {"name": "P2", "reviews": [{"body": "review of 2", "author": {"username": "ada"}}]},
            ],
            "me": {"username": "ada"},
        }
    }


@pytest.mark.parametrize("stack", [1, 40], indirect=True)
async def test_subgraph_requests_equal_fetch_nodes_whatever_the_list_size(stack: Stack) -> None:
    body = await stack.query(
        "query($n: Int) { topProducts(first: $n) { name reviews { author { username } } } }", n=40
    )
    assert len(body["data"]["topProducts"]) in (1, 40)
    assert stack.requests() == {"products": 1, "reviews": 1, "accounts": 1}
    metrics = (await stack.router.get("/metrics")).text
    for name in ("products", "reviews", "accounts"):
        assert f'router_subgraph_requests_total{{subgraph="{name}"}} 1.0' in metrics
        assert (
            f'router_subgraph_fetch_duration_seconds_count{{outcome="ok",subgraph="{name}"}} 1.0'
            in metrics
        )


async def test_inaccessible_enum_value_is_null_with_error(stack: Stack) -> None:
    stack.subgraphs["products"].schema.query_type.fields["topProducts"].resolve = (  # type: ignore[union-attr]
        lambda *_a, **_k: [{"upc": "1", "name": "x", "status": "SECRET"}]
    )
    body = await stack.query("{ topProducts { status } }")
    assert body["data"] == {"topProducts": [{"status": None}]}
    assert body["errors"][0]["path"] == ["topProducts", 0, "status"]


async def test_subgraph_down_gives_partial_data(stack: Stack) -> None:
    stack.subgraphs["accounts"].status = 500
    body = await stack.query("{ topProducts { name } me { username } }")
    assert body["data"] == {
        "topProducts": [{"name": "P0"}, {"name": "P1"}, {"name": "P2"}],
        "me": None,
    }
    [error] = body["errors"]
    assert error["extensions"] == {"code": "SUBREQUEST_HTTP_ERROR", "serviceName": "accounts"}


async def test_subgraph_timeout_is_per_subgraph() -> None:
    apps = subgraph_apps(2)
    apps["accounts"].delay = 1
    async with AsyncExitStack() as exits:
        stack = await start_stack(exits, apps, timeouts={"accounts": 0.2})
        body = await stack.query("{ topProducts { name } me { username } }")
    assert body["data"] == {"topProducts": [{"name": "P0"}, {"name": "P1"}], "me": None}
    [error] = body["errors"]
    assert error["extensions"] == {"code": "SUBGRAPH_TIMEOUT", "serviceName": "accounts"}


async def test_query_plan_in_extensions_and_mutation(stack: Stack) -> None:
    response = await stack.router.post(
        "/graphql",
        json={"query": "{ me { username } }", "extensions": {"includeQueryPlan": True}},
    )
    plan = response.json()["extensions"]["queryPlan"]["object"]
    assert plan["node"]["serviceName"] == "accounts"
    stack.subgraphs["products"].schema.mutation_type.fields["addProduct"].resolve = (  # type: ignore[union-attr]
        lambda *_a, name: {"upc": "9", "name": name}
    )
    body = await stack.query('mutation { addProduct(name: "new") { upc name } }')
    assert body == {"data": {"addProduct": {"upc": "9", "name": "new"}}}


async def test_include_with_a_variable_skips_the_fetch(stack: Stack) -> None:
    query = (
        "query($r: Boolean!) { topProducts(first: 1) { name reviews @include(if: $r) { body } } }"
    )
    without = await stack.query(query, r=False)
    assert without == {"data": {"topProducts": [{"name": "P0"}]}}
    assert "reviews" not in stack.requests()
    with_reviews = await stack.query(query, r=True)
    assert with_reviews == {
        "data": {"topProducts": [{"name": "P0", "reviews": [{"body": "review of 0"}]}]}
    }
    assert stack.requests()["reviews"] == 1


async def test_introspection_and_typename_need_no_subgraph(stack: Stack) -> None:
    body = await stack.query('{ __typename __type(name: "Status") { enumValues { name } } }')
    assert body == {"data": {"__typename": "Query", "__type": {"enumValues": [{"name": "ACTIVE"}]}}}
    assert stack.requests() == {}
