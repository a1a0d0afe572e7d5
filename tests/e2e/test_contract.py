"""A contract supergraph (`supergraph contract --include-tag partner`) served by a second
router over the same subgraphs: partners see only their API, and inside it get the answers
the full graph gives."""

from __future__ import annotations

import pytest

from supergraph.governance.contract import derive_contract
from tests.e2e.system import System

PARTNER_QUERY = """{
  products(first: 4) { edges { cursor node {
    upc name description price { amount currency } inStock averageRating
    category { slug name products(first: 2) { edges { node { upc } } } }
  } } pageInfo { hasNextPage endCursor } }
  categories { slug }
}"""


@pytest.fixture(scope="module")
def partner_router(system: System) -> str:
    contract = derive_contract(system.supergraph_sdl, include=["partner"])
    return system.start_router(supergraph_sdl=contract.supergraph_sdl)


def test_inside_the_contract_partners_get_what_the_full_graph_answers(
    system: System, partner_router: str
) -> None:
    full = system.post(PARTNER_QUERY)
    partner = system.post(PARTNER_QUERY, router=partner_router)
    assert (full.status, full.errors) == (200, [])
    assert (partner.status, partner.errors) == (200, [])
    assert partner.data == full.data
    assert len(partner.data["products"]["edges"]) == 4


@pytest.mark.parametrize(
    "query",
    [
        "{ products(first: 1) { edges { node { upc weight } } } }",  # untagged field
        "{ products(first: 1) { edges { node { reviews { body } } } } }",
        "{ me { username } }",  # users are not in the partner API
        '{ productById(id: "1") { upc } }',
        'mutation { placeOrder(input: {idempotencyKey: "k", items: []}) { id } }',
    ],
)
def test_outside_the_contract_operations_are_invalid(
    system: System, partner_router: str, query: str
) -> None:
    response = system.post(query, router=partner_router)
    assert response.status == 400, response.text
    assert response.codes() == ["GRAPHQL_VALIDATION_FAILED"]
    assert response.data is None


def test_the_full_router_still_serves_what_the_contract_hides(system: System) -> None:
    response = system.post("{ products(first: 1) { edges { node { upc weight } } } }")
    assert (response.status, response.errors) == (200, [])
    assert isinstance(response.data["products"]["edges"][0]["node"]["weight"], int)
