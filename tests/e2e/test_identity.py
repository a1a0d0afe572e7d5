"""Identity on the wire: only the router reaches the subgraphs, with its signed identity."""

from __future__ import annotations

import pytest

from subgraphs._common.seeding import product_upc
from tests.e2e.system import SUBGRAPHS, System

QUERY = f'{{ product(upc: "{product_upc(2)}") {{ name shippingEstimate averageRating }} }}'


def test_the_subgraphs_refuse_requests_that_did_not_come_through_the_router(
    system: System,
) -> None:
    for name in SUBGRAPHS:
        direct = system.client.post(
            system.subgraph_url(name),
            json={"query": "{ _service { sdl } }"},
            headers=system.as_user(),  # a user's token is not the router's identity
        )
        assert direct.status_code == 401, (name, direct.status_code, direct.text)


@pytest.mark.parametrize("kid", ["router-2", None])
def test_the_subgraphs_accept_the_router_identity_with_or_without_a_kid(
    system: System, kid: str | None
) -> None:
    """docs/auth.md configures `identity.kid` next to the subgraphs'
    `SUBGRAPHS_IDENTITY_PUBLIC_KEY_FILE` (a PEM key, without a kid); `supergraph dev`
    signs with kid `supergraph-dev` the same way. (Fixed in f3c7f14: before, every
    subgraph answered "The token's signing key is not known.")"""
    router = system.start_router(identity_kid=kid)
    response = system.post(QUERY, router=router)
    assert response.status == 200, response.text
    assert response.errors == [], response.errors
    assert response.data["product"]["name"].endswith(" 2")
