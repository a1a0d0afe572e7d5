"""Answers to a corpus of operations, printed: run once pure and once compiled, compared.

    python -m tests.compiled.corpus > answers.jsonl

Every conformance scenario (tests/conformance/scenarios) that our composition accepts,
its subgraphs executed in process (SchemaTransport): its written operations and its
generated ones (tests/kit/generator.py, the conformance seeds), each run twice (the
second run hits the plan cache and the shaper's collected fields); then the
benchmarks' public and wide_list operations on their recorded answers. Each line is
one case id and the exact bytes of the response body as the HTTP endpoint
serialises it. The first line says which build of the executor modules answered.
"""

from __future__ import annotations

import asyncio
import json
import sys
import zlib

import orjson

from supergraph import compiled
from supergraph.compose import SubgraphSource, compose
from supergraph.executor.mock_transport import SchemaTransport
from supergraph.pipeline.options import RouterOptions
from supergraph.pipeline.request import GraphQLRequest
from supergraph.pipeline.response import GraphQLResponse
from supergraph.pipeline.router import Router
from supergraph.schema import load_supergraph
from tests.conformance.scenarios import all_scenarios
from tests.kit.generator import generate
from tests.kit.scenario import Scenario
from tests.kit.subgraph_server import build_subgraph_schema


def _router(scenario: Scenario) -> Router | None:
    sources = [
        SubgraphSource(s.name, f"http://127.0.0.1:1/{s.name}", s.sdl) for s in scenario.subgraphs
    ]
    composition = compose(sources)
    if composition.supergraph_sdl is None:
        return None
    schemas = {s.name: build_subgraph_schema(s) for s in scenario.subgraphs}
    return Router(
        load_supergraph(composition.supergraph_sdl), SchemaTransport(schemas), RouterOptions()
    )


def _requests(scenario: Scenario, router: Router) -> list[tuple[str, GraphQLRequest]]:
    out = [
        (
            f"{scenario.name}:{op.name}",
            GraphQLRequest(op.query, op.operation_name, dict(op.variables or {})),
        )
        for op in scenario.operations
    ]
    generated = generate(
        router.schema,
        scenario.generated,
        seed=zlib.crc32(scenario.name.encode()),
        avoid=scenario.generator_avoid,
        samples=scenario.generator_samples,
    )
    out.extend(
        (
            f"{scenario.name}:gen{index:03d}",
            GraphQLRequest(op.query, op.operation_name, op.variables),
        )
        for index, op in enumerate(generated)
    )
    return out


async def _answer(router: Router, request: GraphQLRequest) -> bytes:
    response = await router.execute(request)
    assert isinstance(response, GraphQLResponse)
    return orjson.dumps(response.body)


async def _cases() -> list[tuple[str, bytes]]:
    from bench.inprocess import SETUPS

    out: list[tuple[str, bytes]] = []
    for scenario in all_scenarios():
        router = _router(scenario)
        if router is None:
            continue
        for case, request in _requests(scenario, router):
            for attempt in ("first", "cached"):
                out.append((f"{case}:{attempt}", await _answer(router, request)))
    for name, setup in sorted(SETUPS.items()):
        router, request = setup()
        for attempt in ("first", "cached"):
            out.append((f"bench:{name}:{attempt}", await _answer(router, request)))
    return out


def main() -> int:
    write = sys.stdout.write
    write(json.dumps({"status": compiled.status().as_json(), "loaded": compiled.loaded()}) + "\n")
    for case, body in asyncio.run(_cases()):
        write(json.dumps({"case": case, "body": body.decode()}) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
