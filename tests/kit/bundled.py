"""Our bundled domain subgraphs (subgraphs/) behind Apollo Gateway and our router.

``BundledStack`` starts, in threads on free loopback ports, the subgraphs that
the checked-in ``schema.graphql`` names (each app from ``subgraphs.registry``
with its own seeded SQLite file in a temporary folder), writes the supergraph
with their real URLs, and starts Apollo Gateway on it (our router on first use
of ``router()``). The API schema comes from Apollo's introspection, so the
operation generator can run on it.

Our router's answers are checked against the response invariant
(tests/kit/invariant.py) as ``send`` receives them.

Apollo Gateway implements no authorization directives and refuses a supergraph
that links them ``for: SECURITY``; it gets a copy without that purpose
(``for_apollo``), and ``protected_coordinates`` lists the fields the generator
must avoid (our router enforces them; Apollo cannot).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import httpx
from graphql import (
    FieldDefinitionNode,
    GraphQLSchema,
    ListTypeNode,
    NamedTypeNode,
    NonNullTypeNode,
    TypeDefinitionNode,
    TypeExtensionNode,
    TypeNode,
    build_client_schema,
    get_introspection_query,
    parse,
)

from supergraph.schema import load_supergraph
from tests.kit.asgi_server import RequestCounter, ThreadedASGIServer
from tests.kit.compare import Response, post
from tests.kit.compose import REPO
from tests.kit.invariant import assert_invariant
from tests.kit.processes import ApolloGateway, OurRouter

SUPERGRAPH = REPO / "schema.graphql"
_GRAPH = re.compile(r'@join__graph\(name: "(?P<name>[^"]+)", url: "(?P<url>[^"]+)"\)')
_SECURITY_PURPOSE = re.compile(r",\s*for:\s*SECURITY")
AUTH_SPECS = {"authenticated", "requiresScopes", "policy"}


def for_apollo(supergraph_sdl: str) -> str:
    """The supergraph without ``for: SECURITY`` link purposes (Apollo Gateway rejects them)."""
    return _SECURITY_PURPOSE.sub("", supergraph_sdl)


def protected_coordinates(supergraph_sdl: str) -> frozenset[str]:
    """``Type.field`` of fields with an authorization directive, or returning a type with one."""
    document = parse(supergraph_sdl)
    protected_types = {
        d.name.value
        for d in document.definitions
        if isinstance(d, TypeDefinitionNode | TypeExtensionNode)
        and any(x.name.value in AUTH_SPECS for x in d.directives or ())
    }
    out: set[str] = set()
    for d in document.definitions:
        if not isinstance(d, TypeDefinitionNode | TypeExtensionNode):
            continue
        for f in getattr(d, "fields", None) or ():
            if not isinstance(f, FieldDefinitionNode):
                continue
            named: TypeNode = f.type
            while isinstance(named, ListTypeNode | NonNullTypeNode):
                named = named.type
            assert isinstance(named, NamedTypeNode)
            if named.name.value in protected_types or any(
                x.name.value in AUTH_SPECS for x in f.directives or ()
            ):
                out.add(f"{d.name.value}.{f.name.value}")
    return frozenset(out)


def graph_names(supergraph_sdl: str) -> list[str]:
    return [m["name"] for m in _GRAPH.finditer(supergraph_sdl)]


def with_urls(supergraph_sdl: str, urls: dict[str, str]) -> str:
    def replace(match: re.Match[str]) -> str:
        url = urls[match["name"]]
        return f'@join__graph(name: "{match["name"]}", url: "{url}")'

    return _GRAPH.sub(replace, supergraph_sdl)


class BundledStack:
    """The bundled subgraphs, Apollo Gateway and (on demand) our router."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.servers: dict[str, ThreadedASGIServer] = {}
        self.counters: dict[str, RequestCounter] = {}
        self.apollo: ApolloGateway | None = None
        self._router: OurRouter | None = None
        self._router_error: RuntimeError | None = None
        self._our_api_schema: GraphQLSchema | None = None
        self.supergraph_path = workdir / "supergraph.graphql"
        self.protected: frozenset[str] = frozenset()
        self.client = httpx.Client()

    def start(self) -> None:
        from subgraphs._common.config import DatabaseConfig
        from subgraphs._common.seeding import Scale
        from subgraphs.registry import get

        sdl = SUPERGRAPH.read_text()
        try:
            for name in graph_names(sdl):
                config = DatabaseConfig.sqlite(self.workdir / f"{name}.sqlite3")
                app = get(name).create_app(config, seed_scale=Scale(1))
                counter = RequestCounter(app)
                server = ThreadedASGIServer(counter, f"bundled-{name}", lifespan="on")
                self.servers[name] = server
                self.counters[name] = counter
                server.start(timeout=60)
            urls = {n: f"{s.base_url}/graphql" for n, s in self.servers.items()}
            self.supergraph_path.write_text(with_urls(sdl, urls))
            self.protected = protected_coordinates(sdl)
            apollo_path = self.workdir / "supergraph.apollo.graphql"
            apollo_path.write_text(for_apollo(with_urls(sdl, urls)))
            self.apollo = ApolloGateway(apollo_path, self.workdir / "apollo.log")
            self.apollo.start()
        except BaseException:
            self.stop()
            raise

    @property
    def apollo_url(self) -> str:
        assert self.apollo is not None
        return self.apollo.url

    def router(self) -> OurRouter:
        if self._router_error is not None:
            raise self._router_error  # failed once: do not wait again for each test
        if self._router is None:
            router = OurRouter(self.supergraph_path, self.workdir / "router.log")
            try:
                router.start()
            except RuntimeError as error:
                self._router_error = error
                raise
            self._router = router
        return self._router

    def api_schema(self) -> GraphQLSchema:
        body = post(self.apollo_url, get_introspection_query(), client=self.client).body
        return build_client_schema(body["data"])

    def request_counts(self) -> dict[str, int]:
        return {name: counter.count for name, counter in self.counters.items()}

    def send(
        self, url: str, query: str, variables: dict[str, Any] | None, operation_name: str | None
    ) -> tuple[Response, dict[str, int]]:
        for counter in self.counters.values():
            counter.reset()
        response = post(url, query, variables, operation_name, client=self.client)
        if self._router is not None and url == self._router.url:
            schema = self._our_api_schema
            if schema is None:
                sdl = self.supergraph_path.read_text()
                schema = self._our_api_schema = load_supergraph(sdl).api_schema
            assert_invariant(schema, query, operation_name, variables, response.body)
        return response, self.request_counts()

    def stop(self) -> None:
        for process in (self._router, self.apollo):
            if process is not None:
                process.stop()
        for server in self.servers.values():
            server.stop()
        self.client.close()
