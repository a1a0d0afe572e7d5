"""An edge under test: `create_app` over the real planner, subgraphs in process.

The subgraphs are the graphql-core schemas of test_end_to_end (products,
reviews, accounts) behind a SchemaTransport, so limits, persisted queries and
CORS/CSRF are tested against real plans without sockets.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Collection, Mapping
from contextlib import asynccontextmanager

import httpx
from starlette.applications import Starlette

from supergraph.executor.mock_transport import SchemaTransport
from supergraph.http.app import create_app
from supergraph.http.config import RouterConfig, parse_config
from supergraph.http.metrics import Metrics
from supergraph.http.server import router_options
from supergraph.pipeline.router import Router
from supergraph.schema import load_supergraph
from tests.executor.supergraph_fixture import SUPERGRAPH_SDL
from tests.http.test_end_to_end import subgraph_apps

SUPERGRAPH = load_supergraph(SUPERGRAPH_SDL)
PREFLIGHT = {"apollo-require-preflight": "true"}


def edge_app(
    config: RouterConfig | Mapping[str, object] | None = None, *, down: Collection[str] = ()
) -> Starlette:
    """`down`: subgraphs that answer every request with HTTP 404."""
    if not isinstance(config, RouterConfig):
        config = parse_config(dict(config or {}))
    schemas = {name: app.schema for name, app in subgraph_apps(3).items() if name not in down}
    metrics = Metrics(schemas)
    router = Router(SUPERGRAPH, SchemaTransport(schemas), router_options(config, metrics))
    return create_app(router, metrics, config)


@asynccontextmanager
async def edge_client(
    config: RouterConfig | Mapping[str, object] | None = None,
    headers: Mapping[str, str] | None = None,
    *,
    down: Collection[str] = (),
) -> AsyncIterator[httpx.AsyncClient]:
    app = edge_app(config, down=down)
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://router", headers=headers) as client,
    ):
        yield client
