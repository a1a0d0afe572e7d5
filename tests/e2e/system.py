"""The whole bundled system on loopback: five seeded subgraphs, a composed supergraph, the router.

    system = System.start(workdir)        # seeds, serves, composes, routes
    with System.running(workdir) as system:  # ... and stops after the block
    response = system.post("{ me { id } }", headers=system.as_user(7))
    with system.measure() as measured:    # per-subgraph deltas of one operation:
        system.post(...)                  # .requests (counted at each subgraph),
                                          # .routed (router_subgraph_requests_total),
                                          # .statements (subgraph_sql_statements_total)
    system.rows("orders", "SELECT ...")   # a subgraph's own SQLite file: the oracle
    system.start_router(urls={...})       # one more router (URL/timeout/limit overrides)
    system.stop()

Every server is uvicorn in a daemon thread of this process, on a free port of
127.0.0.1 (never 4000-4005): the subgraphs are the real apps of
`subgraphs.registry` with SQLite files under a temporary `SUBGRAPHS_DATA_DIR`, the
supergraph is composed by `supergraph.compose` from the SDLs the running subgraphs
serve (`{ _service { sdl } }`) with their real URLs, and the router is
`supergraph.http.server.build_app`, as `supergraph serve` runs it.

Identity flows as in production (docs/auth.md): clients send `Authorization: Bearer`
tokens of a test identity provider (`System.token(user_id)`) that the router
verifies (`authentication`), the router signs a short-lived identity token for
every subgraph request (`identity`), and the subgraphs accept nothing else
(`SUBGRAPHS_REQUIRE_IDENTITY=1` with the router's public key).

Each subgraph sits behind `RequestCounter`, which counts the `POST /graphql`
requests it receives (what the router actually sent).

Every GraphQL response of a router started here is checked against the response
invariant (tests/kit/invariant.py: no null where the schema says non-null, and
no null `data`, without an error) as `post` receives it.
"""

from __future__ import annotations

import functools
import os
import socket
import sqlite3
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
from cryptography.hazmat.primitives.asymmetric import ed25519
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
)
from prometheus_client.parser import text_string_to_metric_families

from auth.signing import TokenSigner
from tests.kit.asgi_server import RequestCounter, ThreadedASGIServer
from tests.kit.invariant import assert_invariant

if TYPE_CHECKING:
    from graphql import GraphQLSchema

SCALE = 2
"""Seed scale: 40 users, 20 products, 240 reviews, 60 orders (`subgraphs._common.seeding`)."""
ACTING_USER = 7
"""The signed-in user of the tests that need one (`System.as_user()`)."""
STAFF_USER = 2
"""`System.as_staff()`: a user with scope `orders:read`, who may read every user's orders."""
IDP_ISSUER = "e2e-idp"
IDP_AUDIENCE = "e2e-supergraph"
SUBGRAPHS = ("accounts", "products", "reviews", "inventory", "orders")
FORBIDDEN_PORTS = range(4000, 4006)
COMPUTE_PROCESSES_ENV = "SUPERGRAPH_TEST_COMPUTE_PROCESSES"
"""Set: the routers' `compute_jobs.processes` (unset: the default, one compile process)."""
"""The defaults of `supergraph dev`; tests on free ports must never take them."""

Scope = dict[str, Any]
Message = dict[str, Any]

API_SCHEMAS: dict[str, GraphQLSchema] = {}
"""The API schema of each router started here, by its `/graphql` URL: `post` checks
the response invariant on every answer from them."""


def free_port() -> int:
    """A free loopback port outside 4000-4005."""
    while True:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.bind(("127.0.0.1", 0))
            port: int = sock.getsockname()[1]
        if port not in FORBIDDEN_PORTS:
            return port


@functools.lru_cache(maxsize=4)
def api_schema(supergraph_sdl: str) -> GraphQLSchema:
    """The API schema clients of a router on `supergraph_sdl` see."""
    from supergraph.schema import load_supergraph

    return load_supergraph(supergraph_sdl).api_schema


def write_key(path: Path) -> ed25519.Ed25519PrivateKey:
    """A new Ed25519 key: PKCS#8 PEM at `path`, its public half at `<path>.pub`."""
    key = ed25519.Ed25519PrivateKey.generate()
    path.write_bytes(key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()))
    public = key.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)
    path.with_suffix(".pub").write_bytes(public)
    return key


def make_keys(keys: Path) -> tuple[TokenSigner, TokenSigner]:
    """In `keys`: the test identity provider's key (idp.pem) and the router's identity
    key (router.pem, router.pub for the subgraphs); their signers (users, router)."""
    keys.mkdir(parents=True, exist_ok=True)
    users = TokenSigner(
        write_key(keys / "idp.pem"), "EdDSA", IDP_ISSUER, IDP_AUDIENCE, ttl=3600, kid="idp-1"
    )
    router = TokenSigner(write_key(keys / "router.pem"), "EdDSA", "supergraph-router", "subgraphs")
    return users, router


def security_config(keys: Path, *, identity_kid: str | None = "router-1") -> dict[str, Any]:
    """router.yaml's `authentication` and `identity` sections for the keys in `keys`."""
    identity: dict[str, Any] = {"private_key_file": str(keys / "router.pem")}
    if identity_kid is not None:
        identity["kid"] = identity_kid
    return {
        "authentication": {
            "issuer": IDP_ISSUER,
            "audience": IDP_AUDIENCE,
            "keys": [
                {
                    "kid": "idp-1",
                    "algorithms": ["EdDSA"],
                    "public_key_file": str(keys / "idp.pub"),
                }
            ],
        },
        "identity": identity,
    }


@dataclass
class Response:
    status: int
    body: dict[str, Any]
    text: str

    @property
    def data(self) -> Any:
        return self.body.get("data")

    @property
    def errors(self) -> list[dict[str, Any]]:
        errors: list[dict[str, Any]] = self.body.get("errors") or []
        return errors

    def codes(self) -> list[str | None]:
        return [(e.get("extensions") or {}).get("code") for e in self.errors]


def parse_metrics(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Prometheus text -> {(sample name, sorted labels): value}."""
    samples: dict[tuple[str, tuple[tuple[str, str], ...]], float] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def post(
    client: httpx.Client,
    url: str,
    query: str,
    variables: Mapping[str, Any] | None = None,
    operation_name: str | None = None,
    *,
    extensions: Mapping[str, Any] | None = None,
    headers: Mapping[str, str] | None = None,
) -> Response:
    payload: dict[str, Any] = {"query": query}
    if variables is not None:
        payload["variables"] = dict(variables)
    if operation_name is not None:
        payload["operationName"] = operation_name
    if extensions is not None:
        payload["extensions"] = dict(extensions)
    response = client.post(
        url,
        json=payload,
        headers={"accept": "application/graphql-response+json", **(headers or {})},
    )
    try:
        body = response.json()
    except ValueError:
        body = {}
    if not isinstance(body, dict):
        body = {}
    schema = API_SCHEMAS.get(url)
    if schema is not None and ("data" in body or "errors" in body):
        assert_invariant(schema, query, operation_name, variables, body)
    return Response(response.status_code, body, response.text)


@dataclass
class System:
    """The running system; `start` builds it, `stop` tears everything down."""

    workdir: Path
    supergraph_sdl: str = ""
    subgraphs: dict[str, ThreadedASGIServer] = field(default_factory=dict)
    counters: dict[str, RequestCounter] = field(default_factory=dict)
    routers: list[ThreadedASGIServer] = field(default_factory=list)
    router_url: str = ""
    client: httpx.Client = field(default_factory=lambda: httpx.Client(timeout=60.0))
    users: TokenSigner | None = None
    """Signs the test identity provider's user tokens."""
    router_identity: TokenSigner | None = None
    """Signs what the router sends subgraphs (the tests use it only to compose)."""

    @classmethod
    def start(cls, workdir: Path, scale: int = SCALE) -> System:
        system = cls(workdir)
        try:
            system._make_keys()
            system._start_subgraphs(scale)
            system.supergraph_sdl = system._compose()
            system.router_url = system.start_router(expose_query_plan=True)
        except BaseException:
            system.stop()
            raise
        return system

    @classmethod
    @contextmanager
    def running(cls, workdir: Path, scale: int = SCALE) -> Iterator[System]:
        """`start`, and `stop` however the block ends: a fixture's whole body."""
        system = cls.start(workdir, scale)
        try:
            yield system
        finally:
            system.stop()

    # -- start-up ---------------------------------------------------------------------

    def _make_keys(self) -> None:
        self.users, self.router_identity = make_keys(self.workdir / "keys")

    def security_config(self, *, identity_kid: str | None = "router-1") -> dict[str, Any]:
        """router.yaml's `authentication` and `identity` sections for this system."""
        return security_config(self.workdir / "keys", identity_kid=identity_kid)

    def token(self, user_id: int | str, scopes: tuple[str, ...] = ()) -> str:
        """A user token of the test identity provider, as a client would send it."""
        assert self.users is not None
        return self.users.sign(str(user_id), scopes)

    def as_user(
        self, user_id: int | str = ACTING_USER, scopes: tuple[str, ...] = ()
    ) -> dict[str, str]:
        return {"authorization": f"Bearer {self.token(user_id, scopes)}"}

    def as_staff(self) -> dict[str, str]:
        """A user allowed to read everybody's orders (scope `orders:read`, issue 6)."""
        return self.as_user(STAFF_USER, ("orders:read",))

    def _start_subgraphs(self, scale: int) -> None:
        from subgraphs import registry
        from subgraphs._common.app import create_subgraph_app
        from subgraphs._common.config import DatabaseConfig
        from subgraphs._common.identity import SubgraphIdentity
        from subgraphs._common.seeding import Scale

        data_dir = self.workdir / "data"
        data_dir.mkdir(parents=True, exist_ok=True)
        # The documented variable, without touching this process's environment (and
        # never DATABASE_URL: the end-to-end system is SQLite).
        env = {
            "SUBGRAPHS_DATA_DIR": str(data_dir),
            "SUBGRAPHS_IDENTITY_PUBLIC_KEY_FILE": str(self.workdir / "keys" / "router.pub"),
            "SUBGRAPHS_REQUIRE_IDENTITY": "1",
        }
        missing = [name for name in SUBGRAPHS if name not in registry.DOMAINS]
        assert not missing, f"subgraphs not registered in subgraphs/registry.py: {missing}"
        for name in SUBGRAPHS:
            app = create_subgraph_app(
                registry.get(name).load(),
                DatabaseConfig.from_env(name, env),
                seed_scale=Scale(scale),
                identity=SubgraphIdentity.from_env(env),
            )
            counter = RequestCounter(app)
            server = ThreadedASGIServer(counter, f"subgraph-{name}", lifespan="on")
            server.start()
            self.subgraphs[name] = server
            self.counters[name] = counter
        for name, server in self.subgraphs.items():
            health = self.client.get(f"{server.url}/health")
            assert health.status_code == 200, f"{name} /health: {health.status_code}"

    def rows(self, subgraph: str, sql: str, *params: object) -> list[tuple[Any, ...]]:
        """Read a subgraph's own SQLite file directly (read-only): the test oracle."""
        path = self.workdir / "data" / f"{subgraph}.sqlite3"
        connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            return list(connection.execute(sql, params))
        finally:
            connection.close()

    def subgraph_url(self, name: str) -> str:
        return f"{self.subgraphs[name].url}/graphql"

    def _compose(self) -> str:
        """Compose what the running subgraphs serve, as `supergraph compose` does."""
        from supergraph.compose import SubgraphSource, compose

        assert self.router_identity is not None
        # The subgraphs answer only the router: introspect with an identity it would send.
        identity = {"x-supergraph-identity": self.router_identity.sign(None)}
        sources = []
        for name in self.subgraphs:
            response = self.client.post(
                self.subgraph_url(name), json={"query": "{ _service { sdl } }"}, headers=identity
            )
            assert response.status_code == 200, f"{name}: {response.status_code} {response.text}"
            sdl = response.json()["data"]["_service"]["sdl"]
            sources.append(SubgraphSource(name, self.subgraph_url(name), sdl))
        result = compose(sources)
        problems = [f"{e.code}: {e.message}" for e in result.errors]
        assert result.supergraph_sdl is not None, "composition failed:\n" + "\n".join(problems)
        (self.workdir / "supergraph.graphql").write_text(result.supergraph_sdl)
        return result.supergraph_sdl

    def start_router(
        self,
        *,
        expose_query_plan: bool = False,
        urls: Mapping[str, str] | None = None,
        timeouts: Mapping[str, float] | None = None,
        subgraph_timeout: float = 30.0,
        limits: Mapping[str, int] | None = None,
        identity_kid: str | None = "router-1",
        supergraph_sdl: str | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> str:
        """Start one more router on the composed supergraph (or `supergraph_sdl`, e.g. a
        contract of it); its base URL.

        `urls` and `timeouts` go through the config (`override_subgraph_url.NAME`,
        `traffic_shaping.subgraphs.NAME.timeout`); `extra`: more top-level router.yaml
        sections (e.g. `response_cache`).
        """
        from supergraph.http.config import parse_config
        from supergraph.http.server import build_app

        raw: dict[str, Any] = {
            "plugins": {"experimental.expose_query_plan": expose_query_plan},
            "traffic_shaping": {
                "all": {"timeout": subgraph_timeout},
                "subgraphs": {name: {"timeout": t} for name, t in (timeouts or {}).items()},
            },
            "override_subgraph_url": dict(urls or {}),
            **self.security_config(identity_kid=identity_kid),
        }
        if limits:
            raw["limits"] = dict(limits)
        raw.update(extra or {})
        processes = os.environ.get(COMPUTE_PROCESSES_ENV)
        if processes is not None:  # e.g. 0: these suites with compilation on the thread
            raw["compute_jobs"] = {"processes": int(processes)}
        sdl = supergraph_sdl or self.supergraph_sdl
        app = build_app(sdl, parse_config(raw))
        server = ThreadedASGIServer(app, f"router-{len(self.routers)}", lifespan="on")
        server.start()
        self.routers.append(server)
        API_SCHEMAS[f"{server.url}/graphql"] = api_schema(sdl)
        health = self.client.get(f"{server.url}/health")
        assert health.status_code == 200, f"router /health: {health.status_code} {health.text}"
        return server.url

    def stop(self) -> None:
        for server in self.routers:
            API_SCHEMAS.pop(f"{server.url}/graphql", None)
        for server in [*self.routers, *self.subgraphs.values()]:
            server.stop()
        self.client.close()

    # -- use --------------------------------------------------------------------------

    def post(
        self,
        query: str,
        variables: Mapping[str, Any] | None = None,
        operation_name: str | None = None,
        *,
        router: str | None = None,
        extensions: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Response:
        return post(
            self.client,
            f"{router or self.router_url}/graphql",
            query,
            variables,
            operation_name,
            extensions=extensions,
            headers=headers,
        )

    def subgraph_requests(self) -> dict[str, int]:
        """POST /graphql requests each subgraph has received so far."""
        return {name: counter.count for name, counter in self.counters.items()}

    def sql_statements(self) -> dict[str, float]:
        """Each subgraph's `subgraph_sql_statements_total`, read from its /metrics."""
        totals: dict[str, float] = {}
        for name, server in self.subgraphs.items():
            response = self.client.get(f"{server.url}/metrics")
            assert response.status_code == 200, f"{name} /metrics: {response.status_code}"
            samples = parse_metrics(response.text)
            values = [v for (n, _), v in samples.items() if n == "subgraph_sql_statements_total"]
            assert len(values) == 1, f"{name} /metrics has no subgraph_sql_statements_total"
            totals[name] = values[0]
        return totals

    def router_subgraph_requests(self, router: str | None = None) -> dict[str, float]:
        """The router's `router_subgraph_requests_total` per subgraph (0 when absent)."""
        response = self.client.get(f"{router or self.router_url}/metrics")
        assert response.status_code == 200, f"router /metrics: {response.status_code}"
        counts = dict.fromkeys(SUBGRAPHS, 0.0)
        for (name, labels), value in parse_metrics(response.text).items():
            if name == "router_subgraph_requests_total":
                counts[dict(labels)["subgraph"]] = value
        return counts

    @contextmanager
    def measure(self) -> Iterator[Measurement]:
        """Per-subgraph request and SQL statement deltas of what runs inside."""
        measurement = Measurement()
        requests, statements = self.subgraph_requests(), self.sql_statements()
        routed = self.router_subgraph_requests()
        yield measurement
        measurement.requests = _delta(requests, self.subgraph_requests())
        measurement.statements = _delta(statements, self.sql_statements())
        measurement.routed = _delta(routed, self.router_subgraph_requests())


@dataclass
class Measurement:
    requests: dict[str, float] = field(default_factory=dict)
    """POST /graphql requests each subgraph received (counted at the subgraph)."""
    statements: dict[str, float] = field(default_factory=dict)
    """SQL statements each subgraph sent (its /metrics counter)."""
    routed: dict[str, float] = field(default_factory=dict)
    """Requests the router says it sent (`router_subgraph_requests_total`)."""


def _delta(before: Mapping[str, float], after: Mapping[str, float]) -> dict[str, float]:
    return {name: after[name] - before.get(name, 0) for name in after}


def fetch_counts(plan: Mapping[str, Any]) -> dict[str, int]:
    """Fetch nodes per subgraph in a plan's JSON (the router's `queryPlan.object`)."""
    counts = dict.fromkeys(SUBGRAPHS, 0)

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("kind") == "Fetch":
                counts[node["serviceName"]] = counts.get(node["serviceName"], 0) + 1
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(plan.get("node"))
    return counts
