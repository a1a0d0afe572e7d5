"""Our bundled subgraphs (schema.graphql) through Apollo Gateway and our router.

The operations are generated from the API schema (Apollo's introspection), so
they follow the bundled graph as it changes; they avoid fields under
@authenticated/@requiresScopes/@policy (Apollo Gateway does not implement
them). Apollo must answer each without errors;
our router must answer exactly like Apollo (tests/kit/compare.py: errors Apollo
reports in `extensions.valueCompletion` count as errors).
"""

from __future__ import annotations

import pytest

from tests.kit.bundled import BundledStack
from tests.kit.compare import assert_same, normalise
from tests.kit.generator import GeneratedOperation, generate

pytestmark = pytest.mark.node

COUNT = 40
SEED = 2026


@pytest.fixture(scope="module")
def operations(bundled: BundledStack) -> list[GeneratedOperation]:
    return generate(bundled.api_schema(), COUNT, seed=SEED, avoid=bundled.protected)


@pytest.mark.parametrize("index", range(COUNT), ids=[f"gen{i:03d}" for i in range(COUNT)])
def test_apollo_answers_bundled(
    bundled: BundledStack, operations: list[GeneratedOperation], index: int
) -> None:
    op = operations[index]
    response, _ = bundled.send(bundled.apollo_url, op.query, op.variables, op.operation_name)
    assert response.status == 200, response.body
    assert response.errors == [], (
        f"{op.query}\n{response.body}\n(errors from a subgraph rejecting the gateway's "
        "query usually mean schema.graphql is stale: supergraph compose --output schema.graphql)"
    )
    assert isinstance(response.data, dict), response.body


@pytest.mark.parametrize("index", range(COUNT), ids=[f"gen{i:03d}" for i in range(COUNT)])
def test_router_matches_apollo_bundled(
    bundled: BundledStack, operations: list[GeneratedOperation], index: int
) -> None:
    op = operations[index]
    apollo, _ = bundled.send(bundled.apollo_url, op.query, op.variables, op.operation_name)
    ours, _ = bundled.send(bundled.router().url, op.query, op.variables, op.operation_name)
    assert ours.status == 200, ours.body
    assert_same(normalise(ours), normalise(apollo, value_completion=True), op.query)
