"""pytest fixtures of the conformance kit.

A conftest registers them by importing them (``from tests.kit.fixtures import
stacks, ...``), as tests/conformance/conftest.py does.

- ``scenarios`` (session): every scenario, by name.
- ``compositions`` (session): each scenario composed once per session (cached
  on disk across sessions), by scenario name.
- ``stacks`` (session): a ``Stacks`` manager; ``stacks.get(name)`` starts, on
  first use, the scenario's subgraphs (real HTTP, free ports), writes its
  supergraph with their URLs, and starts Apollo Gateway on it;
  ``stack.router()`` starts OUR router (``supergraph serve``) on the same
  supergraph on first use. Everything stops at the end of the session, and a
  start-up failure stops what was already started.
- ``bundled`` (session): our bundled subgraphs (``schema.graphql``, seeded
  SQLite) behind Apollo Gateway, our router on ``bundled.router()``.

``ScenarioStack.run(url, operation)`` sends one operation and returns the
response with the number of requests each subgraph received for it (an answer
from OUR router is checked against the response invariant, tests/kit/invariant.py);
``ScenarioStack.apollo_plan(operation)`` returns Apollo's query plan (text, or
JSON with ``as_json=True``) to compare with ours.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from graphql import GraphQLSchema, build_schema

from tests.kit.bundled import BundledStack
from tests.kit.compare import Response, post, send_operation
from tests.kit.compose import Composition, CompositionError, bind_urls, compose_scenarios
from tests.kit.invariant import assert_invariant
from tests.kit.processes import ApolloGateway, OurRouter
from tests.kit.scenario import Operation, Scenario
from tests.kit.subgraph_server import SubgraphServer


@dataclass(slots=True)
class Result:
    """A gateway's response to one operation and what it cost the subgraphs."""

    response: Response
    requests: dict[str, int]


@dataclass(slots=True)
class ScenarioStack:
    """A running scenario: subgraph servers, supergraph file, gateways."""

    scenario: Scenario
    composition: Composition
    workdir: Path
    subgraphs: dict[str, SubgraphServer] = field(default_factory=dict)
    supergraph_path: Path | None = None
    apollo: ApolloGateway | None = None
    _router: OurRouter | None = None
    _router_error: RuntimeError | None = None
    _api_schema: GraphQLSchema | None = None
    client: httpx.Client = field(default_factory=httpx.Client)

    def start(self) -> None:
        try:
            for subgraph in self.scenario.subgraphs:
                server = SubgraphServer(subgraph)
                self.subgraphs[subgraph.name] = server
                server.start()
            sdl = bind_urls(
                self.composition.supergraph_sdl, {n: s.url for n, s in self.subgraphs.items()}
            )
            self.supergraph_path = self.workdir / "supergraph.graphql"
            self.supergraph_path.write_text(sdl)
            self.apollo = ApolloGateway(self.supergraph_path, self.workdir / "apollo.log")
            self.apollo.start()
        except BaseException:
            self.stop()
            raise

    def router(self) -> OurRouter:
        """Our router on this scenario's supergraph (started on first use)."""
        if self._router_error is not None:
            raise self._router_error  # failed once: do not wait again for each test
        if self._router is None:
            assert self.supergraph_path is not None
            router = OurRouter(self.supergraph_path, self.workdir / "router.log")
            try:
                router.start()
            except RuntimeError as error:
                self._router_error = error
                raise
            self._router = router
        return self._router

    @property
    def apollo_url(self) -> str:
        assert self.apollo is not None
        return self.apollo.url

    def api_schema(self) -> GraphQLSchema:
        if self._api_schema is None:
            self._api_schema = build_schema(self.composition.api_sdl)
        return self._api_schema

    def reset_requests(self) -> None:
        for server in self.subgraphs.values():
            server.reset_requests()

    def request_counts(self) -> dict[str, int]:
        return {name: server.request_count for name, server in self.subgraphs.items()}

    def run(self, url: str, operation: Operation) -> Result:
        self.reset_requests()
        response = send_operation(url, operation, client=self.client)
        resends = 0
        while url == self.apollo_url and apollo_lost_a_connection(response.body) and resends < 2:
            # Apollo's fetch to one of our stub subgraphs very rarely ends in "socket
            # hang up" on a busy CI machine (once in ~20,000 requests; the stubs keep
            # idle connections 120 s). That is the peer's transport, not an answer to
            # compare: ask again, as its own retry policy would if it had one.
            self.reset_requests()
            response = send_operation(url, operation, client=self.client)
            resends += 1
        if self._router is not None and url == self._router.url:
            assert_invariant(
                self.api_schema(),
                operation.query,
                operation.operation_name,
                operation.variables,
                response.body,
            )
        return Result(response, self.request_counts())

    def apollo_plan(self, operation: Operation, as_json: bool = False) -> Any:
        """Apollo Gateway's query plan for an operation: pretty text, or its JSON form."""
        headers = {"Apollo-Query-Plan-Experimental": "1"}
        if as_json:
            headers["Apollo-Query-Plan-Experimental-Format"] = "internal"
        response = post(
            self.apollo_url,
            operation.query,
            operation.variables,
            operation.operation_name,
            headers=headers,
            client=self.client,
        )
        return response.body.get("extensions", {}).get("__queryPlanExperimental")

    def stop(self) -> None:
        for process in (self._router, self.apollo):
            if process is not None:
                process.stop()
        for server in self.subgraphs.values():
            server.stop()
        self.client.close()


_LOST_CONNECTION = re.compile(
    r"^request to http://127\.0\.0\.1:\d+/graphql failed, reason: (socket hang up|read ECONNRESET)$"
)


def apollo_lost_a_connection(body: Any) -> bool:
    errors = body.get("errors") if isinstance(body, dict) else None
    return isinstance(errors, list) and any(
        isinstance(error, dict) and _LOST_CONNECTION.match(str(error.get("message", "")))
        for error in errors
    )


class Stacks:
    """Starts scenario stacks on demand and stops them all at the end."""

    def __init__(
        self,
        scenarios: dict[str, Scenario],
        compositions: dict[str, Composition | CompositionError],
        root: Path,
    ) -> None:
        self.scenarios = scenarios
        self.compositions = compositions
        self.root = root
        self._stacks: dict[str, ScenarioStack] = {}
        self._failed: dict[str, Exception] = {}

    def get(self, name: str) -> ScenarioStack:
        if name in self._failed:
            raise self._failed[name]  # failed once: do not start it again for each test
        stack = self._stacks.get(name)
        if stack is None:
            composition = self.compositions[name]
            if isinstance(composition, CompositionError):
                raise composition
            workdir = self.root / name
            workdir.mkdir(parents=True, exist_ok=True)
            stack = ScenarioStack(self.scenarios[name], composition, workdir)
            try:
                stack.start()
            except Exception as error:
                self._failed[name] = error
                raise
            self._stacks[name] = stack
        return stack

    def stop(self) -> None:
        errors: list[BaseException] = []
        for stack in self._stacks.values():
            try:
                stack.stop()
            except Exception as error:
                errors.append(error)
        self._stacks.clear()
        if errors:
            raise errors[0]


def load_scenarios() -> dict[str, Scenario]:
    from tests.conformance.scenarios import all_scenarios

    return {s.name: s for s in all_scenarios()}


@pytest.fixture(scope="session")
def scenarios() -> dict[str, Scenario]:
    return load_scenarios()


@pytest.fixture(scope="session")
def compositions(scenarios: dict[str, Scenario]) -> dict[str, Composition | CompositionError]:
    return compose_scenarios(list(scenarios.values()))


# Package-scoped (the conformance folder's, where a conftest imports them): the
# scenario stacks (an Apollo Gateway, our router and subgraphs each, dozens in all)
# stop after that folder's last test, instead of idling through the rest of the
# session (25+ Node processes at 0.3-5% CPU each: slower and flakier later tests).
@pytest.fixture(scope="package")
def stacks(
    scenarios: dict[str, Scenario], compositions: dict[str, Composition | CompositionError]
) -> Iterator[Stacks]:
    with tempfile.TemporaryDirectory(prefix="conformance-") as root:
        manager = Stacks(scenarios, compositions, Path(root))
        try:
            yield manager
        finally:
            manager.stop()


@pytest.fixture(scope="package")
def bundled() -> Iterator[BundledStack]:
    """The bundled subgraphs of schema.graphql (seeded SQLite) behind Apollo Gateway."""
    with tempfile.TemporaryDirectory(prefix="conformance-bundled-") as root:
        stack = BundledStack(Path(root))
        stack.start()
        try:
            yield stack
        finally:
            stack.stop()
