"""The accounts subgraph over SQLite and PostgreSQL: SDL, entities, batching, queries."""

from __future__ import annotations

from typing import Any

import pytest

from auth import Claims
from subgraphs._common.context import SubgraphContext
from subgraphs._common.pagination import MAX_PAGE_SIZE, decode_cursor, encode_cursor
from subgraphs._common.seeding import username
from subgraphs.accounts.schema import EMAIL_SCOPE
from tests.subgraphs.conftest import TEST_SCALE, Harness, SubgraphFactory

USER_FIELDS = "... on User { id username name createdAt }"


@pytest.fixture
async def accounts(subgraph: SubgraphFactory) -> Harness:
    return await subgraph("accounts")


def _data(result: Any) -> Any:
    assert result.errors is None, result.errors
    return result.data


async def test_sdl_is_federation_v2_with_the_user_key(accounts: Harness) -> None:
    sdl = _data(await accounts.execute("{ _service { sdl } }"))["_service"]["sdl"]
    assert sdl.startswith(
        'schema @link(url: "https://specs.apollo.dev/federation/v2.9", '
        'import: ["@authenticated", "@key", "@shareable", "@tag"])'
    )
    assert 'type User @key(fields: "id") {' in sdl
    for field in (
        "id: ID!",
        "username: String! @shareable",
        "name: String!",
        "email: String @authenticated",
        "createdAt: DateTime!",
    ):
        assert f"  {field}\n" in sdl
    # The shared page types belong to the partner contract (subgraphs/_common/tags.py).
    assert 'type PageInfo @shareable @tag(name: "partner") {' in sdl
    assert "me: User\n" in sdl
    assert "user(id: ID!): User\n" in sdl
    assert "users(first: Int = 20, after: String = null): UserConnection!" in sdl
    assert "union _Entity = User" in sdl


async def test_entities_resolve_users_in_order_with_null_for_missing(accounts: Harness) -> None:
    result = await accounts.entities(
        [
            {"__typename": "User", "id": "3"},
            {"__typename": "User", "id": "999999"},
            {"__typename": "User", "id": 1},
        ],
        USER_FIELDS,
    )
    entities = _data(result)["_entities"]
    assert entities[1] is None
    assert [e["id"] for e in (entities[0], entities[2])] == ["3", "1"]
    assert entities[0]["username"] == username(3)
    assert entities[0]["createdAt"].endswith("+00:00")


@pytest.mark.parametrize("size", [10, 500])
async def test_entities_are_one_statement_whatever_the_batch_size(
    accounts: Harness, size: int
) -> None:
    assert size <= TEST_SCALE.users
    representations = [{"__typename": "User", "id": str(i)} for i in range(1, size + 1)]
    before = accounts.statements
    result = await accounts.entities(representations, USER_FIELDS)
    assert accounts.statements - before == 1
    assert [e["id"] for e in _data(result)["_entities"]] == [str(i) for i in range(1, size + 1)]


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ({"__typename": "Nope", "id": "1"}, "'Nope' is not an entity type of this subgraph"),
        ({"__typename": "Query"}, "'Query' is not an entity type of this subgraph"),
        ({"id": "1"}, "representation has no __typename"),
        ({"__typename": "User"}, "representation of User is missing key field 'id'"),
        (
            {"__typename": "User", "id": True},
            "wrong type for key field 'id': expected a string, got True",
        ),
        ({"__typename": "User", "id": {"x": 1}}, "wrong type for key field 'id'"),
        ("User:1", "a representation must be an object"),
    ],
)
async def test_a_bad_representation_fails_only_its_own_entry(
    accounts: Harness, bad: Any, message: str
) -> None:
    good = {"__typename": "User", "id": "2"}
    result = await accounts.entities([good, bad, good], "... on User { username }")
    assert result.data == {
        "_entities": [
            {"__typename": "User", "username": "user2"},
            None,
            {"__typename": "User", "username": "user2"},
        ]
    }
    assert result.errors is not None and len(result.errors) == 1
    error = result.errors[0]
    assert message in error.message
    assert error.path == ["_entities", 1]
    assert error.extensions == {"code": "BAD_USER_INPUT"}


async def test_a_user_named_by_a_subject_without_an_account_is_null(accounts: Harness) -> None:
    """Orders and reviews name their owners by subject: one that is no integer id (an
    identity provider's UUID) has no account here, like an id with no row: null, no error."""
    representations = [
        {"__typename": "User", "id": "3f2a9c1e-7b4d-4e8a-9c61-0d2b5e7f1a23"},
        {"__typename": "User", "id": "2"},
        {"__typename": "User", "id": "999999"},
    ]
    result = await accounts.entities(representations, "... on User { username }")
    assert result.errors is None
    assert _data(result) == {"_entities": [None, {"__typename": "User", "username": "user2"}, None]}


async def _as(accounts: Harness, query: str, claims: Claims | None) -> Any:
    async with accounts.database.session() as session:
        context = SubgraphContext.create(session, claims=claims)
        return await accounts.domain.schema.execute(query, context_value=context)


async def test_email_only_for_self_or_scope_user_email(accounts: Harness) -> None:
    query = '{ user(id: "3") { id email } }'
    own = await _as(accounts, query, Claims(subject="3"))
    assert own.errors is None and own.data == {
        "user": {"id": "3", "email": f"{username(3)}@example.com"}
    }
    scoped = await _as(accounts, query, Claims(subject="9", scopes=frozenset({EMAIL_SCOPE})))
    assert scoped.errors is None and scoped.data["user"]["email"] == f"{username(3)}@example.com"
    for claims, code in [(Claims(subject="9"), "FORBIDDEN"), (None, "UNAUTHENTICATED")]:
        other = await _as(accounts, query, claims)
        assert other.data == {"user": {"id": "3", "email": None}}
        assert other.errors is not None and len(other.errors) == 1
        assert other.errors[0].path == ["user", "email"]
        assert other.errors[0].extensions == {"code": code}


async def test_me_is_the_verified_caller(accounts: Harness) -> None:
    query = "{ me { id username } }"
    assert _data(await accounts.execute(query, user_id=7)) == {
        "me": {"id": "7", "username": "user7"}
    }
    assert _data(await accounts.execute(query)) == {"me": None}


async def test_a_subject_that_is_no_user_id_is_signed_in_not_anonymous(
    accounts: Harness,
) -> None:
    """An identity provider's UUID: `me` says who is signed in and why there is no user,
    an owner-only field refuses as FORBIDDEN (not UNAUTHENTICATED), a scope still works."""
    uuid = "3f2a9c1e-7b4d-4e8a-9c61-0d2b5e7f1a23"
    me = await _as(accounts, "{ me { id } }", Claims(subject=uuid))
    assert me.data == {"me": None}
    assert me.errors is not None and me.errors[0].extensions == {"code": "FORBIDDEN"}
    assert uuid in me.errors[0].message
    email = '{ user(id: "3") { email } }'
    other = await _as(accounts, email, Claims(subject=uuid))
    assert other.errors is not None and other.errors[0].extensions == {"code": "FORBIDDEN"}
    scoped = await _as(accounts, email, Claims(subject=uuid, scopes=frozenset({EMAIL_SCOPE})))
    assert scoped.errors is None and scoped.data["user"]["email"] == f"{username(3)}@example.com"


async def test_user_by_id(accounts: Harness) -> None:
    query = "query($id: ID!) { user(id: $id) { id name } }"
    assert _data(await accounts.execute(query, {"id": "5"}))["user"]["id"] == "5"
    assert _data(await accounts.execute(query, {"id": "0"})) == {"user": None}
    result = await accounts.execute(query, {"id": "five"})
    assert result.data == {"user": None}
    assert result.errors is not None
    assert result.errors[0].extensions == {"code": "BAD_USER_INPUT"}
    assert "must be an integer ID" in result.errors[0].message


USERS_PAGE = """
query($first: Int, $after: String) {
  users(first: $first, after: $after) {
    edges { cursor node { id username } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}
"""


async def test_users_pages_through_every_user_once(accounts: Harness) -> None:
    seen: list[str] = []
    after = None
    pages = 0
    while True:
        before = accounts.statements
        page = _data(await accounts.execute(USERS_PAGE, {"first": 100, "after": after}))["users"]
        assert accounts.statements - before == 1
        pages += 1
        seen.extend(edge["node"]["id"] for edge in page["edges"])
        info = page["pageInfo"]
        assert info["hasPreviousPage"] is (after is not None)
        if not info["hasNextPage"]:
            break
        after = info["endCursor"]
        assert after == page["edges"][-1]["cursor"]
    assert seen == [str(i) for i in range(1, TEST_SCALE.users + 1)]
    assert pages == TEST_SCALE.users // 100


async def test_users_default_page_and_empty_page(accounts: Harness) -> None:
    page = _data(await accounts.execute(USERS_PAGE, {}))["users"]
    assert len(page["edges"]) == 20
    empty = _data(await accounts.execute(USERS_PAGE, {"first": 0}))["users"]
    assert empty["edges"] == []
    assert empty["pageInfo"]["endCursor"] is None
    last = _data(await accounts.execute(USERS_PAGE, {"after": encode_cursor(TEST_SCALE.users)}))
    assert last["users"]["edges"] == []
    assert last["users"]["pageInfo"]["hasNextPage"] is False


@pytest.mark.parametrize(
    ("variables", "message"),
    [
        ({"first": -1}, f"`first` must be between 0 and {MAX_PAGE_SIZE}, got -1"),
        ({"first": MAX_PAGE_SIZE + 1}, f"`first` must be between 0 and {MAX_PAGE_SIZE}, got 101"),
        ({"after": "not-a-cursor"}, "`after` is not a valid cursor"),
        ({"after": "dXNlcjox"}, "`after` is not a valid cursor"),
    ],
)
async def test_users_rejects_bad_arguments_without_sql(
    accounts: Harness, variables: dict[str, Any], message: str
) -> None:
    before = accounts.statements
    result = await accounts.execute(USERS_PAGE, variables)
    assert accounts.statements == before
    assert result.data is None
    assert result.errors is not None and len(result.errors) == 1
    assert message in result.errors[0].message
    assert result.errors[0].extensions is not None
    assert result.errors[0].extensions["code"] == "BAD_USER_INPUT"
    assert result.errors[0].path == ["users"]


def test_cursors_round_trip() -> None:
    assert decode_cursor(encode_cursor(42)) == 42
