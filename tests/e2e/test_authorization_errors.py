"""Every denied field gets its error, whatever else fails (docs/auth.md), over HTTP.

On the bundled system, anonymous callers may not see `User.email`
(`@authenticated`) nor `User.orders` (`@authenticated`); `reviews(first: 1000)`
fails in the reviews subgraph (`first` must be at most 100, BAD_USER_INPUT), and
`users(first: 1000)` in accounts. The failing non-null field nulls its parent, or
`data` itself; the denied fields beside it still get their
UNAUTHORIZED_FIELD_OR_TYPE errors, in either field order.
"""

from __future__ import annotations

import pytest

from tests.e2e.system import Response, System

UNAUTHORIZED = "UNAUTHORIZED_FIELD_OR_TYPE"
BAD_INPUT = "BAD_USER_INPUT"

Errors = set[tuple[tuple[str | int, ...], str | None]]


def errors_of(response: Response) -> Errors:
    return {
        (tuple(error["path"]), (error.get("extensions") or {}).get("code"))
        for error in response.errors
    }


@pytest.mark.parametrize(
    "query",
    [
        '{ user(id: "1") { email reviews(first: 1000) { id } } }',
        '{ user(id: "1") { reviews(first: 1000) { id } email } }',
    ],
)
def test_a_sibling_error_nulls_the_parent(system: System, query: str) -> None:
    response = system.post(query)
    assert response.status == 200, response.text
    assert response.data == {"user": None}
    assert errors_of(response) == {
        (("user", "reviews"), BAD_INPUT),
        (("user", "email"), UNAUTHORIZED),
    }


@pytest.mark.parametrize(
    "query",
    [
        '{ user(id: "1") { email } users(first: 1000) { edges { cursor } } }',
        '{ users(first: 1000) { edges { cursor } } user(id: "1") { email } }',
    ],
)
def test_a_null_propagating_to_data(system: System, query: str) -> None:
    # Both root fields go to accounts in one fetch, which answers `data: null`: no
    # user object is there, so the error names the path down to it.
    response = system.post(query)
    assert response.status == 200, response.text
    assert response.data is None
    assert errors_of(response) == {(("users",), BAD_INPUT), (("user", "email"), UNAUTHORIZED)}


@pytest.mark.parametrize(
    "fields",
    [
        "reviews(first: 1000) { id } email orders { id }",
        "email orders { id } reviews(first: 1000) { id }",
    ],
)
def test_in_every_item_of_a_list_nulled_up_to_data(system: System, fields: str) -> None:
    response = system.post(f"{{ users(first: 2) {{ edges {{ node {{ {fields} }} }} }} }}")
    assert response.status == 200, response.text
    assert response.data is None
    at = [("users", "edges", index, "node") for index in (0, 1)]
    assert errors_of(response) == {
        *(((*node, "reviews"), BAD_INPUT) for node in at),
        *(((*node, "email"), UNAUTHORIZED) for node in at),
        *(((*node, "orders"), UNAUTHORIZED) for node in at),
    }


def test_a_signed_in_caller_gets_only_the_other_error(system: System) -> None:
    query = '{ user(id: "1") { reviews(first: 1000) { id } email } }'
    response = system.post(query, headers=system.as_user(1))
    assert response.data == {"user": None}
    assert errors_of(response) == {(("user", "reviews"), BAD_INPUT)}
